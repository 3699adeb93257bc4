-- grain: one row per CSV or Parquet row (a batch of them)
-- The reader has already put the unified fields in order. The row as text is not written
-- here: only the records that need it (rejected, or without an event id) get it, rebuilt from
-- the lists by jm_record_text.
-- Inputs: jm_batch (seq, fields, attr_values).
with
rows_ as (
    select seq, fields, attr_values from jm_batch
),

final as (
    select
        seq,
        cast(null as bigint) as record_no,
        cast(null as varchar) as raw,
        cast(null as varchar) as parse_error,
        fields,
        attr_values
    from rows_
)

select * from final
