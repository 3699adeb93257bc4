-- grain: one row per record in the generated web clickstream export (good, broken and duplicate)
-- Shapes generated web events like a Snowplow-lite / tag-manager CSV export. Its timestamps
-- are coarse (occurred_at, to the whole minute) so consecutive events often share one; the
-- rows are in the true order (exact_at), which is the only way left to tell them apart.
-- Inputs: gen_events (one row per generated event; bad_kind set on the few that also get a
-- planted broken copy; variant only with arms), $base_url.
with
web as (
    select * from gen_events where channel = 'web'
),

good as (
    select
        exact_at as sort_ts,
        step as sort_step,
        0 as sort_copy,
        bad_kind,
        'web-' || lpad(cast(uid as varchar), 9, '0') as event_id,
        -- local time with the visitor's offset, as collectors often export it
        strftime(occurred_at + to_minutes(tz_offset_min), '%Y-%m-%dT%H:%M:%S')
            || case when tz_offset_min = 0 then 'Z'
                    else (case when tz_offset_min > 0 then '+' else '-' end)
                        || lpad(cast(abs(tz_offset_min) // 60 as varchar), 2, '0') || ':'
                        || lpad(cast(abs(tz_offset_min) % 60 as varchar), 2, '0')
               end as collector_tstamp,
        event_name,
        $base_url || url_path
            || case when click_id is not null
                    then '?utm_source=' || platform || '&utm_medium=paid_social&fbclid=' || click_id
                    else '' end as page_url,
        referrer as page_referrer,
        cookie_id as domain_userid,
        user_id,
        email as user_email,
        session_id as domain_sessionid,
        user_agent as useragent,
        -- device_type, then an A/B test's arm (variant: control or test) if arms were planted
        columns('^(device_type|variant)$'),
        ip as user_ipaddress,
        case when click_id is not null then platform end as utm_source,
        case when click_id is not null then 'paid_social' end as utm_medium,
        campaign as utm_campaign
    from web
),

-- planted broken records are extra rows, so the journeys behind the good rows stay intact
broken as (
    select
        * replace (
            1 as sort_copy,
            case when bad_kind = 'duplicate' then event_id
                 else event_id || '-' || bad_kind end as event_id,
            case bad_kind
                when 'bad_timestamp' then strftime(sort_ts, '%d/%m/%Y %H:%M h')
                when 'missing_timestamp' then null
                else collector_tstamp end as collector_tstamp,
            case bad_kind when 'unknown_event' then 'video_play' else event_name end as event_name,
            -- no identifier at all: the landing page's click id goes too
            case bad_kind when 'missing_identity' then regexp_replace(page_url, '[?].*$', '')
                else page_url end as page_url,
            case bad_kind when 'missing_identity' then null else domain_userid end as domain_userid,
            case bad_kind when 'missing_identity' then null else user_id end as user_id,
            case bad_kind when 'missing_identity' then null else user_email end as user_email,
            case bad_kind when 'missing_identity' then null else domain_sessionid end
                as domain_sessionid
        )
    from good
    where bad_kind is not null
),

final as (
    select * from good
    union all
    select * from broken
)

select * exclude (sort_ts, sort_step, sort_copy, bad_kind)
from final
order by sort_ts, sort_step, event_id, sort_copy
