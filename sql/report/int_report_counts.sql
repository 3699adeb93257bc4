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
-- A variant's journeys visit the same touchpoints and make the same moves: journeys are
-- counted per (day, profile, variant, channels) first, and what a variant visits is read
-- from one journey of it. Kept over all journeys (scope.SUMMARIES): a journey's counts add
-- up, so an incremental night subtracts the counts of the journeys it rebuilds and adds
-- their new ones.
-- $scoped: only the journeys in jm_scope_journeys.
-- Inputs: jm_internal.int_journeys, jm_internal.int_journey_profiles, journey_steps,
-- jm_internal.int_moves, map_touchpoints, jm_scope_journeys.
with
journeys_ as (
    select
        j.journey_id,
        cast(j.started_at as date) as started_on,
        p.profile,
        j.variant_id,
        j.channel_list,
        case when j.reached_goal then 1 else 0 end as goal,
        case when j.conforms then 1 else 0 end as conforming
    from jm_internal.int_journeys as j
    inner join jm_internal.int_journey_profiles as p on p.journey_id = j.journey_id
    where not $scoped or j.journey_id in (select journey_id from jm_scope_journeys)
),

cohorts as (
    select
        started_on,
        profile,
        variant_id,
        channel_list,
        count(*) as journeys,
        sum(goal) as goal_journeys,
        sum(conforming) as conforming_journeys
    from journeys_
    group by started_on, profile, variant_id, channel_list
),

representatives as (
    select variant_id, min(journey_id) as journey_id
    from journeys_
    group by variant_id
),

visits as (
    select distinct r.variant_id, s.touchpoint
    from representatives as r
    inner join journey_steps as s on s.journey_id = r.journey_id
    where not $scoped or s.journey_id in (select journey_id from jm_scope_journeys)
),

variant_properties as (
    select variant_id, 'touchpoint' as kind, touchpoint as subject, '' as object
    from visits
    union all
    select distinct v.variant_id, 'stage', m.stage, ''
    from visits as v
    inner join map_touchpoints as m on m.touchpoint = v.touchpoint
    where m.stage is not null
    union all
    select distinct v.variant_id, 'stage_chat', m.stage, ''
    from visits as v
    inner join map_touchpoints as m on m.touchpoint = v.touchpoint
    where m.stage is not null and m.channel = 'chat'
    union all
    select distinct r.variant_id, 'move', m.from_touchpoint, m.to_touchpoint
    from representatives as r
    inner join jm_internal.int_moves as m on m.journey_id = r.journey_id
    where m.from_touchpoint not in ('__start__', '__end__')
        and m.to_touchpoint not in ('__start__', '__end__')
        and m.from_touchpoint <> m.to_touchpoint
        and (not $scoped or m.journey_id in (select journey_id from jm_scope_journeys))
),

-- the channels a journey used (int_journeys' sorted list of web, social and chat)
channels as (
    select
        started_on,
        profile,
        journeys,
        goal_journeys,
        conforming_journeys,
        unnest(string_split(channel_list, ',')) as channel
    from cohorts
    where channel_list is not null
),

properties as (
    select
        started_on, profile, 'journey' as kind, '' as subject, '' as object,
        journeys, goal_journeys, conforming_journeys
    from cohorts
    union all
    select
        c.started_on, c.profile, v.kind, v.subject, v.object,
        c.journeys, c.goal_journeys, c.conforming_journeys
    from cohorts as c
    inner join variant_properties as v on v.variant_id = c.variant_id
    union all
    select
        started_on, profile, 'channel', channel, '',
        journeys, goal_journeys, conforming_journeys
    from channels
),

final as (
    select
        started_on,
        profile,
        kind,
        subject,
        object,
        cast(sum(journeys) as bigint) as journeys,
        cast(sum(goal_journeys) as bigint) as goal_journeys,
        cast(sum(conforming_journeys) as bigint) as conforming_journeys
    from properties
    group by started_on, profile, kind, subject, object
)

select * from final
