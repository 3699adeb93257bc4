-- grain: one row per CSV or Parquet row (a batch of them)
-- The reader has already put the unified fields in order; the raw record is the row as JSON.
-- Inputs: jm_batch (seq, rec, fields, attr_values).
with
rows_ as (
    select seq, rec, fields, attr_values from jm_batch
),

final as (
    select
        seq,
        cast(null as bigint) as record_no,
        cast(to_json(rec) as varchar) as raw,
        cast(null as varchar) as parse_error,
        fields,
        attr_values
    from rows_
)

select * from final
