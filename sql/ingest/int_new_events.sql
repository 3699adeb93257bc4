-- grain: one row per accepted record of the chunk that is not a duplicate
-- A duplicate is a second record with the same event key (the source's event id, or the
-- payload hash where it has none), within the file (this chunk, or an earlier chunk already
-- staged) or already in events for this source. The keys seen before are removed first, so
-- that DuckDB builds its anti-joins on the chunk and only scans events and the staged rows:
-- memory then depends on the chunk, not on the file or the warehouse.
-- Inputs: jm_stg_validated, events, jm_internal.staged_events, $source.
with
accepted as (
    select * from jm_stg_validated where reason_code is null
),

unseen as (
    select a.*
    from accepted as a
    where not exists (
            select 1
            from events as e
            where e.source = $source and e.event_id = a.event_key
        )
        and not exists (
            select 1
            from jm_internal.staged_events as s
            where s.event_id = a.event_key
        )
),

ranked as (
    select
        *,
        row_number() over (partition by event_key order by record_no) as copy_no
    from unseen
),

final as (
    select *
    from ranked
    where copy_no = 1
)

select * from final
