//! The host side of a store: the state every instance sees ([`Host`]), the
//! linker providing WASI, `wasi:http` and `wasi:config` to it, and store
//! creation with limits applied.
//!
//! Commands build one [`Linker`] per artifact with [`linker`], then one
//! [`Store`] per call or request with [`new_store`]. `weld test` can reuse
//! both and define mocks on the linker (after `allow_shadowing(true)` to
//! replace a WASI function) before instantiating a single stage.
//! All WASI, `wasi:http` and `wasi:config/store` imports are always linked,
//! so any artifact instantiates; what a guest may actually reach is decided
//! by [`Capabilities`], denied by default (`wasi:config/store` answers `none`
//! for every key it was not given).

use std::future::Future;

use wasmtime::Store;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};
use wasmtime_wasi_http::{
    RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use crate::capabilities::{Capabilities, CapabilityError, Stdio};
use crate::engine::WeldEngine;
use crate::limits::{Limits, StoreLimiter, arm_deadline};

/// Per-store host state.
pub struct Host {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    config: WasiConfigVariables,
    table: ResourceTable,
    limiter: StoreLimiter,
    outgoing: OutgoingHttp,
}

impl Host {
    /// Linear memory this store's instances hold, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.limiter.memory_bytes()
    }

    /// Host state granting `capabilities`, with `args` as the guest's
    /// command-line arguments.
    pub fn new(
        capabilities: &Capabilities,
        args: &[String],
        stdio: Stdio,
        limits: &Limits,
    ) -> Result<Self, CapabilityError> {
        Ok(Self {
            wasi: capabilities.wasi_ctx(args, stdio)?,
            http: WasiHttpCtx::new(),
            config: capabilities.config.iter().cloned().collect(),
            table: ResourceTable::new(),
            limiter: StoreLimiter::new(limits),
            outgoing: OutgoingHttp {
                allowed: capabilities.allow_outgoing_http,
            },
        })
    }

    /// The resource table (for host functions defined by embedders, e.g.
    /// `weld test` mocks that hand out resources).
    pub fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("limiter", &self.limiter)
            .field("outgoing", &self.outgoing)
            .finish_non_exhaustive()
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outgoing,
        }
    }
}

/// Sends outgoing HTTP requests only when granted.
#[derive(Debug)]
struct OutgoingHttp {
    allowed: bool,
}

type SendFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                hyper::Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for OutgoingHttp {
    fn send_request(
        &mut self,
        request: hyper::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendFuture {
        drop(fut);
        let allowed = self.allowed;
        Box::new(async move {
            if !allowed {
                // The guest sees `error-code.HTTP-request-denied`, the code
                // the WASI spec reserves for exactly this policy decision.
                return Err(wasmtime_wasi_http::Error::HttpRequestDenied);
            }
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

/// Linking WASI into a linker failed.
#[derive(Debug, thiserror::Error)]
#[error("failed to link the WASI host interfaces")]
pub struct LinkError(#[source] Box<dyn std::error::Error + Send + Sync>);

/// A linker providing WASI 0.2 (`wasi:cli`, `wasi:filesystem`,
/// `wasi:sockets`, `wasi:clocks`, `wasi:random`, `wasi:io`), `wasi:http`
/// (`types`, `outgoing-handler`) and `wasi:config/store@0.2.0-rc.1` (the
/// values in [`Capabilities::config`], by the exact key). Use the `*_async`
/// instantiation and call functions with it.
pub fn linker(engine: &WeldEngine) -> Result<Linker<Host>, LinkError> {
    let mut linker = Linker::new(engine.engine());
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)
        .map_err(|e| LinkError(e.into_boxed_dyn_error()))?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
        .map_err(|e| LinkError(e.into_boxed_dyn_error()))?;
    wasmtime_wasi_config::add_to_linker(&mut linker, config_view)
        .map_err(|e| LinkError(e.into_boxed_dyn_error()))?;
    Ok(linker)
}

// A named function rather than a closure: `add_to_linker` takes a `fn` whose
// result borrows from its argument, which a closure's signature cannot say.
fn config_view(host: &mut Host) -> WasiConfig<'_> {
    WasiConfig::from(&host.config)
}

/// A fresh store on `engine` holding `host`, with the engine's limits armed
/// (memory limiter, deadline counted from now).
///
/// The deadline yields to the async executor at every epoch tick, so call
/// guest functions with `call_async` on a store made here.
pub fn new_store(engine: &WeldEngine, host: Host) -> Store<Host> {
    let mut store = Store::new(engine.engine(), host);
    store.limiter(|host| &mut host.limiter);
    arm_deadline(&mut store, engine.limits().timeout);
    store
}
