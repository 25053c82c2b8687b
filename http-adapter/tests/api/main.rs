//! HTTP API tests: the router driven in-process (tower `oneshot`) over the
//! in-memory reference store, with a manual clock and an in-memory notifier.

mod helpers;

mod accounts;
mod admin;
mod bounds;
mod builder;
mod console;
mod edge;
mod email_change;
mod failing;
mod hardening;
mod market;
mod mounting;
mod openapi;
mod sessions_security;
