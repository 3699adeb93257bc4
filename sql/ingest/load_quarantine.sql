-- Stages the chunk's rejected records with their reasons; the raw record is kept as text with
-- PII redacted: values of the source's PII keys masked (int_rejects), then free-text
-- redaction (jm_stg_texts), then ids and click ids masked. A record quarantined before
-- (int_rejects) is not quarantined again.
-- Inputs: jm_stg_rejects, jm_stg_texts, $load_id, $source, $file, $now.
insert into jm_staged_quarantine
with
rejects as (
    select * from jm_stg_rejects where not is_duplicate
),

records as (
    select value, redacted from jm_stg_texts where kind = 'record'
),

final as (
    select
        $load_id as load_id,
        $source as source,
        $file as file,
        r.record_no,
        jm_mask_record_ids(r.raw, t.redacted) as raw_record,
        r.reason_code,
        r.reason,
        $now as quarantined_at,
        r.record_key
    from rejects as r
    left join records as t on t.value = r.masked_record
)

select * from final
