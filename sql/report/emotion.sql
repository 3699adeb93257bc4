-- grain: one row per stage of the designed map: what the data says about how customers feel
-- there, for the report's emotion lane, in the report's scope (journeys that entered between
-- $start and $end, in segment $segment = $segment_value).
-- csat: the mean CSAT of chat conversations started at a chat touchpoint of the stage (and
-- how many were rated); chat_help_rate: the share of the stage's journeys that used one of
-- its chat touchpoints. The sentiment of customers' words is scored in Python (customer_texts).
-- Inputs: jm_report_scope (report/scope), journey_steps, events, map_touchpoints, map_stages.
with
steps as (
    select js.journey_id, js.event_id, js.source, tp.stage, tp.channel
    from journey_steps as js
    inner join jm_report_scope as s on s.journey_id = js.journey_id
    inner join map_touchpoints as tp on tp.touchpoint = js.touchpoint
),

stage_journeys as (
    select
        stage,
        count(distinct journey_id) as journeys,
        count(distinct case when channel = 'chat' then journey_id end) as chat_journeys
    from steps
    group by stage
),

chat_starts as (
    select distinct st.stage, e.session_id
    from steps as st
    inner join events as e on e.event_id = st.event_id and e.source = st.source
    where st.channel = 'chat' and e.session_id is not null
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
