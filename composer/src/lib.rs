//! Weld's build side: from `pipeline.yaml` to one statically linked component.
//!
//! Data flows one way through the steps, each its own module:
//!
//! 1. [`manifest`] reads and validates `pipeline.yaml`.
//! 2. [`wit`] resolves the pipeline's WIT directory and the worlds stages declare.
//! 3. [`contract`] gives every stage its imports and exports, from its component or,
//!    before anything is built, from its declared world.
//! 4. [`wiring`] decides which export satisfies each import, or that the host does.
//! 5. [`graph`] puts stages and wires in a petgraph graph: cycles, reachability, order.
//! 6. [`typecheck`] checks every wire's types, collecting every problem.
//! 7. [`build`] compiles source stages with their toolchains, cached.
//! 8. [`guard`] generates the component that enforces every stage's grants (refusing or
//!    filtering its WASI imports) and reports them (`weld check`'s capability table).
//! 9. [`link`] instantiates and connects the stages, behind the guard, with wac-graph
//!    and encodes the result, with the grants recorded for the host.
//!
//! [`pipeline`] runs the steps in order; the `weld` binary is a thin layer over it.

#![deny(missing_docs)]
// A `Diagnostic` carries its source excerpt, labels and notes; it is large by design and
// only built on the cold path of bad input, where boxing would buy nothing.
#![allow(clippy::result_large_err)]

pub mod build;
pub mod component;
pub mod contract;
pub mod deploy;
pub mod diagnostic;
pub mod glue;
pub mod graph;
pub mod guard;
pub mod link;
pub mod manifest;
pub mod pipeline;
pub mod provenance;
pub mod terminal;
pub mod typecheck;
pub mod unit_test;
pub mod verify;
pub mod wave;
pub mod wiring;
pub mod wit;
