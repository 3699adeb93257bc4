-- grain: one row: the last run's conformance to the designed map, over all journeys.
-- Inputs: conformance.
select * from conformance
