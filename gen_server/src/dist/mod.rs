//! Erlang distribution: a Rust program as a node of a BEAM cluster.
//!
//! Available with the `dist` feature. [`term`] converts between Rust values
//! and Erlang terms.

pub mod term;
