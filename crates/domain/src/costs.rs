//! How placements are costed, as data an area adopts from a date: transport by distance
//! (a rate per mile for each single trip, the trips in a year, road distance against
//! straight-line distance, an average speed for the journey estimate), the credit a
//! family's preference carries in the optimiser, and what leaving a child unplaced costs
//! its objective. A child may have a transport cost of their own (`case.transport_cost_set`).

use crate::codes::Pence;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransportRates {
    pub pence_per_mile: i64,
    pub trips_per_year: u32,
    /// Road distance ÷ straight-line distance.
    pub road_factor: f64,
    /// Average door-to-door speed, for the journey estimate.
    pub speed_kmh: f64,
}

impl Default for TransportRates {
    fn default() -> Self {
        TransportRates {
            pence_per_mile: 150,
            trips_per_year: 380,
            road_factor: 1.3,
            speed_kmh: 30.0,
        }
    }
}

/// The placement costing an area uses from a date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementSettings {
    pub effective_from: NaiveDate,
    pub transport: TransportRates,
    /// Taken off the cost of the arc to the setting the family asked for: the preference
    /// is kept unless another suitable place costs more than this much less a year.
    pub preference_credit: Pence,
    /// What each child left unplaced adds to the optimiser's objective.
    pub unplaced_cost: Pence,
}

impl Default for PlacementSettings {
    fn default() -> Self {
        PlacementSettings {
            effective_from: NaiveDate::from_ymd_opt(2014, 9, 1).unwrap_or(NaiveDate::MIN),
            transport: TransportRates::default(),
            preference_credit: Pence(500_000),
            unplaced_cost: Pence(50_000_000),
        }
    }
}

impl PlacementSettings {
    /// What is wrong with these settings, if anything.
    pub fn check(&self) -> Result<(), String> {
        let t = &self.transport;
        if t.pence_per_mile < 0 || t.trips_per_year > 2000 {
            return Err("the rate per mile cannot be negative, and trips a year are at most 2,000 (two a day, every day, is 730)".into());
        }
        if !(1.0..=3.0).contains(&t.road_factor) || !(1.0..=120.0).contains(&t.speed_kmh) {
            return Err("the road factor is between 1 and 3 (1.3 is typical) and the speed between 1 and 120 km/h".into());
        }
        if self.preference_credit.0 < 0 || self.unplaced_cost.0 <= 0 {
            return Err("the preference credit cannot be negative and leaving a child unplaced must cost something (e.g. £500,000)".into());
        }
        if self.unplaced_cost.0 > 1_000_000_000_000 {
            return Err("the unplaced cost is at most £10,000,000,000 (the optimiser adds costs exactly in 64 bits)".into());
        }
        Ok(())
    }
}

/// A transport cost agreed for one child (e.g. an assessed package), a year, from a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TransportCostSet {
    pub on: NaiveDate,
    pub annual: Pence,
}
