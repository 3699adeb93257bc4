-- How long do journeys take from one touchpoint to another, and how many get there?
-- grain: one row per entry channel, plus one for all journeys (entry_channel 'all').
-- From each journey's first visit of $from_touchpoint to its first visit of $to_touchpoint
-- after it, within the journey. journeys: journeys that visited $from_touchpoint;
-- journeys_reached: of them, those that reached $to_touchpoint afterwards; reached_rate:
-- journeys_reached / journeys. Hours: quartiles and 90th percentile of the time taken
-- (jm_percentile: journeymine's portable name for an exact percentile, defined in every
-- journeymine connection, `journeymine sql` included).
-- Parameters: $from_touchpoint, $to_touchpoint (touchpoint ids, e.g. 'product_page',
-- 'order_confirmed').
-- Inputs: journey_steps, journeys.
with
steps as (
    select journey_id, step, touchpoint, occurred_at from journey_steps
),

starts as (
    select journey_id, min(step) as from_step
    from steps
    where touchpoint = $from_touchpoint
    group by journey_id
),

arrivals as (
    select st.journey_id, min(s.step) as to_step
    from starts as st
    inner join steps as s
        on s.journey_id = st.journey_id and s.step > st.from_step
        and s.touchpoint = $to_touchpoint
    group by st.journey_id
),

durations as (
    select
        j.entry_channel,
        st.journey_id,
        date_diff('second', a_from.occurred_at, a_to.occurred_at) / 3600.0 as hours
    from starts as st
    inner join journeys as j on j.journey_id = st.journey_id
    inner join steps as a_from on a_from.journey_id = st.journey_id and a_from.step = st.from_step
    left join arrivals as ar on ar.journey_id = st.journey_id
    left join steps as a_to on a_to.journey_id = ar.journey_id and a_to.step = ar.to_step
),

by_channel as (
    select entry_channel, journey_id, hours from durations
    union all
    select 'all', journey_id, hours from durations
),

final as (
    select
        entry_channel,
        count(*) as journeys,
        count(hours) as journeys_reached,
        count(hours) / count(*) as reached_rate,
        jm_percentile(hours, 0.25) as hours_p25,
        jm_percentile(hours, 0.5) as hours_median,
        jm_percentile(hours, 0.75) as hours_p75,
        jm_percentile(hours, 0.9) as hours_p90
    from by_channel
    group by entry_channel
)

select * from final
order by entry_channel = 'all' desc, journeys desc, entry_channel
