-- grain: one row per accepted record of the chunk, is_duplicate telling whether it is kept
-- A duplicate is a second record with the same event key (the source's event id, or, where
-- it has none, a keyed hash of the record's canonical form: JSON with its keys sorted and
-- spacing normalised, so a re-serialised copy is the same record), within the file (this
-- chunk, or an earlier chunk already staged) or already in events for this source. The
-- semi-joins are built on the chunk and only scan events and the staged rows: memory then
-- depends on the chunk, not on the file or the warehouse. Duplicates are kept here, flagged,
-- so that the load counts them as their own set. An event id that holds PII (redaction,
-- jm_stg_texts, would change it) is kept only as its keyed hash. The keys are decided on
-- narrow rows; the record's columns are joined once, at the end.
-- Inputs: jm_stg_validated, jm_stg_input, jm_stg_texts, events, jm_staged_events,
-- $source, $ipad, $opad, $record_columns, $record_positions.
with
-- the record's identity where the source gives no event id (computed for those rows only)
record_keys as (
    select
        v.record_no,
        'record:' || left(
            jm_hmac(
                'record:' || jm_canonical_record(
                    jm_record_text(
                        i.raw, i.fields, i.attr_values, $record_columns, $record_positions
                    )
                ),
                $ipad,
                $opad
            ),
            32
        ) as record_key
    from jm_stg_validated as v
    inner join jm_stg_input as i on i.record_no = v.record_no
    where v.reason_code is null and v.event_id is null
),

event_ids as (
    select value, redacted from jm_stg_texts where kind = 'event_id'
),

keys as (
    select
        a.record_no,
        case
            when a.event_id is null then k.record_key
            when i.redacted = a.event_id then a.event_id
            else 'hmac:' || left(jm_hmac('event:' || a.event_id, $ipad, $opad), 32)
        end as kept_key
    from jm_stg_validated as a
    left join record_keys as k on k.record_no = a.record_no
    left join event_ids as i on i.value = a.event_id
    where a.reason_code is null
),

-- two semi-joins, not one filter with "or" (which DuckDB plans as a hash table of every
-- event of the source)
seen as (
    select k.record_no
    from keys as k
    where exists (
            select 1
            from events as e
            where e.source = $source and e.event_id = k.kept_key
        )
    union
    select k.record_no
    from keys as k
    where exists (
            select 1
            from jm_staged_events as s
            where s.event_id = k.kept_key
        )
),

flagged as (
    select
        k.record_no,
        k.kept_key,
        s.record_no is not null
        or row_number() over (partition by k.kept_key order by k.record_no) > 1 as is_duplicate
    from keys as k
    left join seen as s on s.record_no = k.record_no
),

final as (
    select
        a.record_no,
        f.kept_key,
        a.occurred_at,
        a.event_name,
        a.url,
        a.url_path,
        a.referrer,
        a.user_agent,
        a.ip,
        a.intent,
        a.interaction,
        a.csat,
        a.text,
        a.attr_values,
        a.n_user,
        a.n_email,
        a.n_cookie,
        a.n_click,
        a.n_handle,
        a.n_phone,
        a.n_session,
        a.n_url_click,
        a.identity_key,
        a.touchpoint,
        f.is_duplicate
    from jm_stg_validated as a
    inner join flagged as f on f.record_no = a.record_no
)

select * from final
