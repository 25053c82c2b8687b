//! Preview: defaults, JSON responses and the model provider.

use super::*;

#[tokio::test]
async fn preview_defaults_and_json_response_format() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let r = AgentRef::new("alice", "json-bot");
    let d = AgentDefinition {
        name: "Json".into(),
        system_prompt: "Answer in JSON".into(),
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["application/json".into()],
        ..Default::default()
    };
    create(&w, &alice, "json-bot", d).await;
    let p = w.mart.agents().preview(&alice, &r, PreviewRequest { input: Some("  ".into()) }).await.unwrap();
    assert_eq!(p.chat_request.model, DEFAULT_MODEL);
    assert_eq!(p.chat_request.messages[1].content, PLACEHOLDER_INPUT);
    assert!(p.chat_request.response_format.is_none());
    assert_eq!(fields_of(&p.warnings), set(&[("output_schema", "required")]));
    let body = serde_json::to_value(&p.chat_request).unwrap();
    assert!(body.get("temperature").is_none() && body.get("max_tokens").is_none());

    let schema = json!({"type": "object", "properties": {"answer": {"type": "string"}}});
    w.mart
        .agents()
        .update_draft(&alice, &r, DraftPatch { output_schema: Some(Some(schema.clone())), ..Default::default() })
        .await
        .unwrap();
    let p = w.mart.agents().preview(&alice, &r, PreviewRequest::default()).await.unwrap();
    assert!(p.warnings.is_empty());
    assert_eq!(
        p.chat_request.response_format,
        Some(json!({"type": "json_schema", "json_schema": {"name": "json-bot", "schema": schema}}))
    );

    let err =
        w.mart.agents().preview(&alice, &r, PreviewRequest { input: Some("x".repeat(32_001)) }).await.unwrap_err();
    assert_eq!(fields(&err), set(&[("input", "too_long")]));
}

struct EchoProvider;

#[async_trait::async_trait]
impl ModelProvider for EchoProvider {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, Box<dyn std::error::Error + Send + Sync>> {
        let last = request.messages.last().map(|m| m.content.clone()).unwrap_or_default();
        if last == "fail" {
            return Err("upstream is down".into());
        }
        Ok(ChatResponse { content: format!("echo: {last}"), model: Some(request.model.clone()) })
    }
}

#[tokio::test]
async fn preview_asks_the_model_provider_and_reports_its_failure_as_a_warning() {
    let w = world_with(Some(Arc::new(EchoProvider)));
    let alice = w.user("alice", Role::User).await;
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    let ok = w.mart.agents().preview(&alice, &r, PreviewRequest { input: Some("hi".into()) }).await.unwrap();
    assert_eq!(ok.model_response.as_ref().map(|r| r.content.as_str()), Some("echo: hi"));
    assert!(ok.warnings.is_empty());
    let failed = w.mart.agents().preview(&alice, &r, PreviewRequest { input: Some("fail".into()) }).await.unwrap();
    assert!(failed.model_response.is_none());
    assert_eq!(fields_of(&failed.warnings), set(&[("model_response", "provider_error")]));
}
