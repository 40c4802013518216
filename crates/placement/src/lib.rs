//! Placement: the right child in the right place. An exact minimum-cost flow solver
//! ([`simplex`]), placement instances as JSON ([`instance`]), and the benchmark's
//! generator ([`generate`]).

pub mod area;
pub mod generate;
pub mod instance;
mod rng;
pub mod simplex;

pub use instance::{Instance, Outcome};
