-- grain: one row per accepted record of the chunk, is_duplicate telling whether it is kept
-- A duplicate is a second record with the same event key (the source's event id, or, where
-- it has none, a keyed hash of the record's canonical form: JSON with its keys sorted and
-- spacing normalised, so a re-serialised copy is the same record), within the file (this
-- chunk, or an earlier chunk already staged) or already in events for this source. The
-- semi-joins are built on the chunk and only scan events and the staged rows: memory then
-- depends on the chunk, not on the file or the warehouse. Duplicates are kept here, flagged,
-- so that the load counts them as their own set.
-- Inputs: jm_stg_validated, events, jm_internal.staged_events, $source, $ipad, $opad.
with
accepted as (
    select * from jm_stg_validated where reason_code is null
),

-- the record's identity where the source gives no event id (computed for those rows only)
record_keys as (
    select
        record_no,
        'record:' || left(jm_hmac('record:' || jm_canonical_record(raw), $ipad, $opad), 32)
            as record_key
    from accepted
    where event_id is null
),

keyed as (
    select
        a.*,
        coalesce(k.record_key, a.event_key) as kept_key
    from accepted as a
    left join record_keys as k on k.record_no = a.record_no
),

seen as (
    select k.record_no
    from keyed as k
    where exists (
            select 1
            from events as e
            where e.source = $source and e.event_id = k.kept_key
        )
        or exists (
            select 1
            from jm_internal.staged_events as s
            where s.event_id = k.kept_key
        )
),

final as (
    select
        k.*,
        s.record_no is not null
        or row_number() over (partition by k.kept_key order by k.record_no) > 1 as is_duplicate
    from keyed as k
    left join seen as s on s.record_no = k.record_no
)

select * from final
