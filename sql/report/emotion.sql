-- grain: one row per stage of the designed map: what the data says about how customers feel
-- there, for the report's emotion lane, in the report's scope (journeys that entered between
-- $start and $end, in segment $segment = $segment_value).
-- csat: the mean CSAT of chat conversations started at a chat touchpoint of the stage (and
-- how many were rated); chat_help_rate: the share of the stage's journeys that used one of
-- its chat touchpoints. The sentiment of customers' words is scored in Python
-- (customer_texts).
-- Inputs: jm_report_counts (report/scope_counts), jm_report_scope (report/scope),
-- journey_steps, events, map_touchpoints, map_stages.
with
stage_journeys as (
    select
        subject as stage,
        cast(sum(journeys) filter (where kind = 'stage') as bigint) as journeys,
        cast(coalesce(sum(journeys) filter (where kind = 'stage_chat'), 0) as bigint)
            as chat_journeys
    from jm_report_counts
    where kind in ('stage', 'stage_chat')
    group by subject
),

-- the scope's steps at the map's chat touchpoints: where conversations started
chat_steps as (
    select js.event_id, js.source, tp.stage
    from journey_steps as js
    inner join map_touchpoints as tp on tp.touchpoint = js.touchpoint
    inner join jm_report_scope as s on s.journey_id = js.journey_id
    where tp.channel = 'chat'
),

chat_starts as (
    select distinct st.stage, e.session_id
    from chat_steps as st
    inner join events as e on e.event_id = st.event_id and e.source = st.source
    where e.session_id is not null
),

ratings as (
    select session_id, avg(try_cast(jm_json_get(attributes, 'csat') as double)) as csat
    from events
    where channel = 'chat' and jm_json_get(attributes, 'csat') is not null
    group by session_id
),

stage_csat as (
    select c.stage, avg(r.csat) as csat, count(r.csat) as csat_ratings
    from chat_starts as c
    inner join ratings as r on r.session_id = c.session_id
    group by c.stage
),

final as (
    select
        m.stage,
        m.label,
        m.stage_order,
        m.emotion,
        cast(coalesce(j.journeys, 0) as bigint) as journeys,
        cast(coalesce(j.chat_journeys, 0) as bigint) as chat_journeys,
        case when j.journeys > 0 then j.chat_journeys / j.journeys end as chat_help_rate,
        c.csat,
        cast(coalesce(c.csat_ratings, 0) as bigint) as csat_ratings
    from map_stages as m
    left join stage_journeys as j on j.stage = m.stage
    left join stage_csat as c on c.stage = m.stage
)

select * from final
order by stage_order
