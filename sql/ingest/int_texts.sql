-- grain: one row per distinct (kind, value) of the chunk that the warehouse stores or quotes
-- Free-text redaction (jm_redact, the largest expression of the load) is planned in this one
-- model and run once per distinct value; the models after it join its result. Kinds: 'text'
-- (names, URLs, referrers, paths, intents, interactions, free text; for a rejected record, the
-- values its reason quotes), 'event_id' (an accepted record's event id: kept only when
-- redaction leaves it as it is) and 'record' (a rejected record with the values of its PII
-- keys masked, jm_mask_record_keys). Each branch scans only its column of the table.
-- Inputs: jm_stg_validated, jm_stg_input, $pii_keys, $record_columns, $record_positions.
with
texts as (
    select 'text' as kind, event_name as value from jm_stg_validated
    union all
    select 'text' as kind, url as value from jm_stg_validated
    union all
    select 'text' as kind, referrer as value from jm_stg_validated
    union all
    select 'text' as kind, url_path as value from jm_stg_validated
    union all
    select 'text' as kind, intent as value from jm_stg_validated
    union all
    select 'text' as kind, interaction as value from jm_stg_validated
    union all
    select 'text' as kind, text as value from jm_stg_validated
    union all
    select 'text' as kind, occurred_at_text as value from jm_stg_validated
    where reason_code is not null
    union all
    select 'event_id' as kind, event_id as value from jm_stg_validated
    where reason_code is null
    union all
    select
        'record' as kind,
        jm_mask_record_keys(
            jm_record_text(i.raw, i.fields, i.attr_values, $record_columns, $record_positions),
            $pii_keys
        ) as value
    from jm_stg_validated as v
    inner join jm_stg_input as i on i.record_no = v.record_no
    where v.reason_code is not null
),

distinct_texts as (
    select distinct kind, value from texts where value is not null
),

final as (
    select kind, value, jm_redact(value) as redacted from distinct_texts
)

select * from final
