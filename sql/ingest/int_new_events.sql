-- grain: one row per accepted record of the file that is not a duplicate
-- A duplicate is a second record with the same event key (the source's event id, or the
-- payload hash where it has none), within the file or already in events for this source.
-- Inputs: jm_stg_validated, events, $source.
with
accepted as (
    select * from jm_stg_validated where reason_code is null
),

ranked as (
    select
        *,
        row_number() over (partition by event_key order by record_no) as copy_no
    from accepted
),

final as (
    select r.*
    from ranked as r
    where r.copy_no = 1
        and not exists (
            select 1
            from events as e
            where e.source = $source and e.event_id = r.event_key
        )
)

select * from final
