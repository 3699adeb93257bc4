-- grain: one row per (started_on, profile, kind, subject, object): the journeys that started
-- that day (UTC), of that segment profile (int_journey_profiles), with the property the kind
-- names, and of them those that reached a goal and those that conform. The drop-off report
-- sums these over its days and over the profiles of its segment (int_profile_segments)
-- instead of reading every journey's steps each night. Kinds, with subject and object:
--   'journey' ('', ''): every journey;
--   'touchpoint' (touchpoint, ''): visited it, at any step (after a goal too);
--   'move' (from, to touchpoint): made that move between two touchpoints, after a goal too;
--   'channel' (channel, ''): had a step in that channel;
--   'stage' (stage, ''): had a step at a touchpoint of that stage of the map;
--   'stage_chat' (stage, ''): had a step at a chat touchpoint of that stage.
-- Kept over all journeys (scope.SUMMARIES): a journey's counts add up, so an incremental
-- night subtracts the counts of the journeys it rebuilds and adds their new ones.
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_journeys, jm_internal.int_journey_profiles, journey_steps,
-- jm_internal.int_moves, map_touchpoints, jm_scope_journeys.
with
journeys_ as (
    select
        j.journey_id,
        cast(j.started_at as date) as started_on,
        p.profile,
        case when j.reached_goal then 1 else 0 end as goal,
        case when j.conforms then 1 else 0 end as conforming
    from jm_internal.int_journeys as j
    inner join jm_internal.int_journey_profiles as p on p.journey_id = j.journey_id
    where not $scoped or j.journey_id in (select journey_id from jm_scope_journeys)
),

-- each journey's distinct (touchpoint, channel) once: its steps repeat them
visits as (
    select distinct s.journey_id, s.touchpoint, s.channel
    from journey_steps as s
    where not $scoped or s.journey_id in (select journey_id from jm_scope_journeys)
),

staged as (
    select distinct v.journey_id, m.stage, m.channel = 'chat' as is_chat
    from visits as v
    inner join map_touchpoints as m on m.touchpoint = v.touchpoint
    where m.stage is not null
),

properties as (
    select journey_id, 'journey' as kind, '' as subject, '' as object
    from journeys_
    union all
    select distinct journey_id, 'touchpoint', touchpoint, ''
    from visits
    union all
    select distinct journey_id, 'channel', channel, ''
    from visits
    union all
    select distinct journey_id, 'stage', stage, ''
    from staged
    union all
    select distinct journey_id, 'stage_chat', stage, ''
    from staged
    where is_chat
    union all
    select distinct journey_id, 'move', from_touchpoint, to_touchpoint
    from jm_internal.int_moves
    where from_touchpoint not in ('__start__', '__end__')
        and to_touchpoint not in ('__start__', '__end__')
        and from_touchpoint <> to_touchpoint
        and (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

final as (
    select
        j.started_on,
        j.profile,
        p.kind,
        p.subject,
        p.object,
        count(*) as journeys,
        cast(sum(j.goal) as bigint) as goal_journeys,
        cast(sum(j.conforming) as bigint) as conforming_journeys
    from properties as p
    inner join journeys_ as j on j.journey_id = p.journey_id
    group by j.started_on, j.profile, p.kind, p.subject, p.object
)

select * from final
