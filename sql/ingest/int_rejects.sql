-- grain: one row per rejected record of the chunk, is_duplicate telling whether it is kept
-- The reason in words names the column, the value found (redacted: jm_stg_texts) and what is
-- allowed. A rejected record delivered again (a re-delivered or overlapping export) is a
-- duplicate, not a second quarantine row: its identity is a keyed hash of its canonical form
-- (JSON with keys sorted and spacing normalised), compared within the file and with what this
-- source already quarantined.
-- Inputs: jm_stg_validated, jm_stg_input, jm_stg_texts, quarantine,
-- jm_staged_quarantine, and bound parameters describing the source.
with
rejected as (
    select
        v.*,
        jm_record_text(i.raw, i.fields, i.attr_values, $record_columns, $record_positions)
            as raw
    from jm_stg_validated as v
    inner join jm_stg_input as i on i.record_no = v.record_no
    where v.reason_code is not null
),

texts as (
    select value, redacted from jm_stg_texts where kind = 'text'
),

explained as (
    select
        r.record_no,
        r.raw,
        jm_mask_record_keys(r.raw, $pii_keys) as masked_record,
        r.reason_code,
        case r.reason_code
            when 'malformed_record' then r.parse_error
            when 'missing_timestamp' then
                'missing_timestamp: no value in ' || $timestamp_column || ' (occurred_at)'
            when 'bad_timestamp' then
                'bad_timestamp: ' || $timestamp_column || ' = '''
                || left(time_text.redacted, 40) || ''' is not a timestamp in format '
                || $timestamp_format || ' between 1990 and 2100'
                || coalesce(
                    ': '
                    || jm_ts_problem(r.occurred_at_text, r.ts_zone, $timestamp_format, $timezone),
                    ''
                )
                || ' (allowed: ' || $timestamp_help || ')'
            when 'missing_event_name' then
                'missing_event_name: no value in ' || $event_name_column || ' (event_name)'
            when 'missing_identity' then
                'missing_identity: none of the identifier fields has a value ('
                || $identifier_columns || ')'
            when 'unknown_event' then
                'unknown_event: '
                || coalesce('event_name ''' || left(name_text.redacted, 80) || '''', '')
                || coalesce(' url_path ''' || left(path_text.redacted, 80) || '''', '')
                || coalesce(' intent ''' || left(intent_text.redacted, 80) || '''', '')
                || coalesce(' interaction ''' || left(interaction_text.redacted, 80) || '''', '')
                || ' matches no touchpoint rule of source ' || $source
                || ' (add a rule, with touchpoint: null to keep it without a journey step, or '
                || 'set unmatched: keep)'
        end as reason
    from rejected as r
    left join texts as time_text on time_text.value = r.occurred_at_text
    left join texts as name_text on name_text.value = r.event_name
    left join texts as path_text on path_text.value = r.url_path
    left join texts as intent_text on intent_text.value = r.intent
    left join texts as interaction_text on interaction_text.value = r.interaction
),

keyed as (
    select
        *,
        'record:' || left(jm_hmac('record:' || jm_canonical_record(raw), $ipad, $opad), 32)
            as record_key
    from explained
),

-- two semi-joins, not one filter with "or" (which DuckDB plans as a hash table of every
-- quarantined record of the source)
seen as (
    select r.record_no
    from keyed as r
    where exists (
            select 1
            from quarantine as q
            where q.source = $source and q.record_key = r.record_key
        )
    union
    select r.record_no
    from keyed as r
    where exists (
            select 1
            from jm_staged_quarantine as s
            where s.record_key = r.record_key
        )
),

final as (
    select
        r.*,
        s.record_no is not null
        or row_number() over (partition by r.record_key order by r.record_no) > 1 as is_duplicate
    from keyed as r
    left join seen as s on s.record_no = r.record_no
)

select * from final
