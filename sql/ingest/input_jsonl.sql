-- grain: one row per line of a JSON-lines file (a batch of them)
-- Splits each line into the unified fields by the source's JSON paths (bound as a list).
-- Inputs: jm_batch (seq, raw), $field_paths, $attr_paths.
with
lines as (
    select seq, raw, jm_json_is_object(raw) as is_object from jm_batch
),

final as (
    select
        seq,
        cast(null as bigint) as record_no,
        raw,
        case
            when trim(raw) = '' then 'malformed_record: empty line'
            when not is_object then 'malformed_record: not a JSON object'
        end as parse_error,
        -- extraction runs on every row, so a line that is no JSON object is swapped for {}
        jm_json_fields(case when is_object then raw else '{}' end, $field_paths) as fields,
        jm_json_fields(case when is_object then raw else '{}' end, $attr_paths) as attr_values
    from lines
)

select * from final
