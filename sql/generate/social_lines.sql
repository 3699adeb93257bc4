-- grain: one line per record in the generated social interactions export (JSON lines)
-- Shapes generated social events like a social-listening / ads export: nested user object,
-- handles and free text that carry PII.
-- Inputs: gen_events, where bad_kind is set on events that also get a planted broken copy.
with
social as (
    select * from gen_events where channel = 'social'
),

records as (
    select
        occurred_at as sort_ts,
        bad_kind,
        'soc-' || lpad(cast(uid as varchar), 9, '0') as id,
        strftime(occurred_at, '%Y-%m-%dT%H:%M:%SZ') as created_at,
        platform,
        interaction as type,
        handle,
        click_id,
        campaign,
        social_text as text
    from social
),

as_json as (
    select
        sort_ts,
        0 as sort_copy,
        bad_kind,
        cast(to_json({
            'id': id, 'created_at': created_at, 'platform': platform, 'type': type,
            'user': {'handle': handle}, 'click_id': click_id,
            'ad': {'campaign': campaign}, 'text': text
        }) as varchar) as line
    from records
    union all
    select
        sort_ts,
        1 as sort_copy,
        bad_kind,
        case bad_kind
            when 'malformed_json' then left(cast(to_json({
                'id': id || '-x', 'created_at': created_at, 'platform': platform, 'type': type,
                'user': {'handle': handle}, 'text': text}) as varchar), 40)
            when 'missing_timestamp' then cast(to_json({
                'id': id || '-nots', 'platform': platform, 'type': type,
                'user': {'handle': handle}, 'text': text}) as varchar)
            when 'duplicate' then cast(to_json({
                'id': id, 'created_at': created_at, 'platform': platform, 'type': type,
                'user': {'handle': handle}, 'click_id': click_id,
                'ad': {'campaign': campaign}, 'text': text}) as varchar)
        end as line
    from records
    where bad_kind is not null
)

select cast(line as varchar) as line
from as_json
order by sort_ts, sort_copy
