-- Stages the chunk's rejected records with their reasons; the raw record is kept as text with
-- PII redacted: values of the source's PII keys masked, then free-text redaction. A record
-- quarantined before (int_rejects) is not quarantined again.
-- Inputs: jm_stg_rejects, $load_id, $source, $file, $pii_keys, $now.
insert into jm_internal.staged_quarantine
select
    $load_id as load_id,
    $source as source,
    $file as file,
    record_no,
    jm_redact_record(raw, $pii_keys) as raw_record,
    reason_code,
    reason,
    $now as quarantined_at,
    record_key
from jm_stg_rejects
where not is_duplicate
