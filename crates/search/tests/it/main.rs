#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]
//! The search crate against `rg` itself (the version pinned in `scripts/rg-version`, built into
//! `.cache/rg` by `scripts/build-rg`): the same queries over a crafted tree and over the cargo
//! registry's sources, compared as sorted lists of (path, line, kind, text).

mod crafted;
mod limits;
mod registry;
mod support;
mod walking;
