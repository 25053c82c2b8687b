//! Lets previews ask a real model through a JavaScript function
//! (`Agentmart.open(url, { modelProvider })`).

use agentmart_core as am;
use napi::Status;
use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;
use serde::Serialize;

use crate::types::{ChatRequest, from_js, to_js};

/// What a model provider resolves to.
#[napi(object)]
#[derive(Debug, Serialize)]
pub struct ChatCompletion {
    /// The model's answer.
    pub content: String,
    /// The model that answered, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// The JavaScript provider: an async function from a chat request to a
/// completion. Weak: it does not keep the process alive.
pub type ModelCallback = ThreadsafeFunction<ChatRequest, Promise<ChatCompletion>, ChatRequest, Status, false, true>;

/// A core model provider that calls the JavaScript function and awaits its Promise.
pub(crate) struct JsModelProvider {
    pub(crate) callback: ModelCallback,
}

#[async_trait::async_trait]
impl am::ModelProvider for JsModelProvider {
    async fn complete(
        &self,
        request: &am::ChatRequest,
    ) -> Result<am::ChatResponse, Box<dyn std::error::Error + Send + Sync>> {
        let request: ChatRequest = to_js(request)?;
        let promise = self.callback.call_async(request).await.map_err(|e| e.reason.clone())?;
        let completion = promise.await.map_err(|e| e.reason.clone())?;
        Ok(from_js(completion)?)
    }
}
