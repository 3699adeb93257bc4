-- grain: one row per rejected record of the chunk, is_duplicate telling whether it is kept
-- A rejected record delivered again (a re-delivered or overlapping export) is a duplicate,
-- not a second quarantine row: its identity is a keyed hash of its canonical form (JSON with
-- keys sorted and spacing normalised), compared within the file and with what this source
-- already quarantined.
-- Inputs: jm_stg_validated, quarantine, jm_internal.staged_quarantine, $source, $ipad, $opad.
with
rejected as (
    select
        *,
        'record:' || left(jm_hmac('record:' || jm_canonical_record(raw), $ipad, $opad), 32)
            as record_key
    from jm_stg_validated
    where reason_code is not null
),

seen as (
    select r.record_no
    from rejected as r
    where exists (
            select 1
            from quarantine as q
            where q.source = $source and q.record_key = r.record_key
        )
        or exists (
            select 1
            from jm_internal.staged_quarantine as s
            where s.record_key = r.record_key
        )
),

final as (
    select
        r.*,
        s.record_no is not null
        or row_number() over (partition by r.record_key order by r.record_no) > 1 as is_duplicate
    from rejected as r
    left join seen as s on s.record_no = r.record_no
)

select * from final
