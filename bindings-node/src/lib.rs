//! # agentmart-node
//!
//! The napi-rs addon behind the npm package `agentmart`: the services of
//! `agentmart-core` for Node.js, in camelCase, every I/O call a Promise that
//! runs on napi's tokio runtime (never on the JavaScript thread).
//!
//! A thin layer: it converts shapes and errors and calls the core; no business
//! rule lives here. The JavaScript entry points (`index.js`, `index.mjs`) wrap
//! the generated loader (`binding.js`) to turn every failure into an
//! `AgentmartError` (see [`error`] for the encoding).

mod admin;
mod agents;
mod auth;
mod config;
pub mod error;
mod market;
pub mod notify;
pub mod provider;
pub mod types;

use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::Poll;

use agentmart_core as am;
use napi::Env;
use napi::bindgen_prelude::{PromiseRaw, ToNapiValue};
use napi_derive::napi;

pub use admin::AdminApi;
pub use agents::AgentsApi;
pub use auth::{AuthApi, Principal};
pub use config::{
    ConfigOptions, HashingOptions, JwtAlgorithm, JwtKeyOptions, OpenOptions, PasswordPolicyOptions, ThrottleOptions,
};
pub use market::MarketApi;

/// The instance behind a JavaScript handle; `None` once closed.
#[derive(Clone)]
pub(crate) struct Handle(Arc<RwLock<Option<am::Agentmart>>>);

impl Handle {
    fn get(&self) -> am::Result<am::Agentmart> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone().ok_or_else(error::closed)
    }

    fn take(&self) -> Option<am::Agentmart> {
        self.0.write().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// Runs `f` on napi's tokio runtime and returns its Promise. A closed handle,
/// a core error or a panic rejects the Promise (see [`error`]).
pub(crate) fn run<'env, T, F, Fut>(env: &'env Env, handle: &Handle, f: F) -> napi::Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
    F: FnOnce(am::Agentmart) -> Fut + Send + 'static,
    Fut: Future<Output = am::Result<T>> + Send + 'static,
{
    let mart = handle.get();
    env.spawn_future(error::guard(async move { f(mart?).await }))
}

/// Like [`run`], but polls the call once on the calling (JavaScript) thread
/// first, inside the runtime's context. A call that completes without waiting
/// — `authenticate` over sled or memory is a token check and one key lookup,
/// a few microseconds — returns an already settled Promise and skips the
/// round trip through a tokio worker and napi's thread-safe callback, which
/// cost several times the call itself. A call that has to wait (a SQL query,
/// a hash) is handed, part-run, to the runtime exactly as [`run`] would.
///
/// Only for calls that are cheap and never block: whatever runs before the
/// first wait runs on the JavaScript thread.
pub(crate) fn run_inline_first<'env, T, F, Fut>(
    env: &'env Env,
    handle: &Handle,
    f: F,
) -> napi::Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
    F: FnOnce(am::Agentmart) -> Fut + Send + 'static,
    Fut: Future<Output = am::Result<T>> + Send + 'static,
{
    let mart = match handle.get() {
        Ok(mart) => mart,
        Err(err) => return PromiseRaw::reject(env, error::to_napi(&err)),
    };
    let mut call = Box::pin(error::guard(f(mart)));
    let polled = napi::bindgen_prelude::within_runtime_if_available(|| {
        call.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    });
    match polled {
        Poll::Ready(Ok(value)) => PromiseRaw::resolve(env, value),
        Poll::Ready(Err(err)) => PromiseRaw::reject(env, err),
        Poll::Pending => env.spawn_future(call),
    }
}

/// An agentmart instance over one store. Open it once per process (or per
/// store) with `Agentmart.open` and share it; every method is safe to call
/// concurrently.
#[napi]
pub struct Agentmart {
    handle: Handle,
}

#[napi]
impl Agentmart {
    /// Opens the store a URL names (`sled:PATH`, `memory:`; SQL backends when
    /// built with them) and builds an instance. Needs `jwtSecret` (at least 32
    /// bytes) or `config.jwtKey`. Rejects with `validation_failed` for a bad
    /// URL or configuration, `unavailable` when the store cannot be opened.
    #[napi(ts_return_type = "Promise<Agentmart>", writable = true, configurable = true)]
    pub fn open<'env>(
        env: &'env Env,
        store_url: String,
        options: Option<OpenOptions>,
    ) -> napi::Result<PromiseRaw<'env, Agentmart>> {
        let options = options.unwrap_or_default();
        let config = config::build(options.jwt_secret, options.config);
        let on_message = options.on_message;
        let model_provider = options.model_provider;
        env.spawn_future(error::guard(async move {
            let config = config?;
            let store = agentmart_stores::open(&store_url).await?;
            let mut builder = am::Agentmart::builder(store, config);
            if let Some(callback) = on_message {
                builder = builder.notifier(Arc::new(notify::JsNotifier { callback }));
            }
            if let Some(callback) = model_provider {
                builder = builder.model_provider(Arc::new(provider::JsModelProvider { callback }));
            }
            let mart = builder.build()?;
            Ok(Agentmart { handle: Handle(Arc::new(RwLock::new(Some(mart)))) })
        }))
    }

    /// Accounts, sessions, tokens, profiles, password reset, email verification.
    #[napi(getter)]
    pub fn auth(&self) -> AuthApi {
        AuthApi { handle: self.handle.clone() }
    }

    /// The builder: drafts, preview, publish, versions, lifecycle.
    #[napi(getter)]
    pub fn agents(&self) -> AgentsApi {
        AgentsApi { handle: self.handle.clone() }
    }

    /// The marketplace: listing, search, detail, installs, ratings, usage.
    #[napi(getter)]
    pub fn market(&self) -> MarketApi {
        MarketApi { handle: self.handle.clone() }
    }

    /// Administration: audit trail, users, moderation.
    #[napi(getter)]
    pub fn admin(&self) -> AdminApi {
        AdminApi { handle: self.handle.clone() }
    }

    /// The store's backend name (`sled`, `memory`...), or `null` once closed.
    #[napi(getter)]
    pub fn backend(&self) -> Option<String> {
        self.handle.get().ok().map(|m| m.store().backend_name().to_string())
    }

    /// True once `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.handle.get().is_err()
    }

    /// Checks the store is reachable.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn ping<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        run(env, &self.handle, |mart| async move { mart.ping().await })
    }

    /// Makes every acknowledged write durable.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn flush<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        run(env, &self.handle, |mart| async move { mart.flush().await })
    }

    /// Flushes and releases the store (a sled directory can then be opened
    /// again once calls already running have finished). Every later call on
    /// this handle and its services rejects with code `unavailable`. Closing
    /// twice is harmless.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        let mart = self.handle.take();
        env.spawn_future(error::guard(async move {
            if let Some(mart) = mart {
                mart.flush().await?;
            }
            Ok(())
        }))
    }
}

/// Every stable error code, in the order of the documentation's table.
#[napi(ts_return_type = "Array<ErrorCode>")]
pub fn error_codes() -> Vec<&'static str> {
    error::all_codes()
}

/// Test hook: a call that panics inside the addon, to show a panic becomes an
/// `AgentmartError` with code `internal` and leaves the process running.
#[doc(hidden)]
#[napi(js_name = "__panicForTests", ts_return_type = "Promise<void>")]
pub fn panic_for_tests(env: &Env) -> napi::Result<PromiseRaw<'_, ()>> {
    env.spawn_future(error::guard(async {
        let nothing: Option<()> = None;
        if nothing.is_none() {
            panic!("deliberate panic for the test suite");
        }
        Ok(())
    }))
}
