// Generated from agentmart's /openapi.json by http-adapter/console-tests/gen-api-types.mjs: do not edit.
// OpenAPI 3.1.0, agentmart API 0.1.0

declare namespace Api {
  /** `PATCH /v1/admin/users/{id}`: fields left `None` do not change. */
  type AdminUserUpdate = {
    disabled?: boolean | null;
    role?: Api.Role | null;
  };
  /** An agent's metadata (without its draft or versions). */
  type Agent = {
    created_at: string;
    id: Api.AgentId;
    latest_version: Api.SemVer | null;
    moderation?: Api.ModerationLock | null;
    owner_id: Api.UserId;
    published_at: string | null;
    slug: string;
    status: Api.AgentStatus;
    status_message: string | null;
    updated_at: string;
  };
  /** Optional A2A protocol features. */
  type AgentCapabilities = {
    pushNotifications: boolean;
    streaming: boolean;
  };
  /** An A2A AgentCard: the self-describing manifest of an agent. */
  type AgentCard = {
    capabilities: Api.AgentCapabilities;
    defaultInputModes: Array<string>;
    defaultOutputModes: Array<string>;
    description: string;
    documentationUrl?: string | null;
    iconUrl?: string | null;
    name: string;
    protocolVersion: string;
    provider: Api.AgentProvider;
    skills: Array<Api.AgentSkill>;
    url: string;
    version: string;
  };
  /** Everything a user writes about an agent. Drafts and versions both hold one. */
  type AgentDefinition = {
    category?: string | null;
    conversation_starters?: Array<string>;
    description?: string;
    documentation_url?: string | null;
    icon_url?: string | null;
    input_modes?: Array<Api.MimeType>;
    input_schema?: unknown;
    model?: Api.ModelSettings | null;
    name: string;
    output_modes?: Array<Api.MimeType>;
    output_schema?: unknown;
    skills?: Array<Api.Skill>;
    system_prompt?: string;
    tagline?: string;
    tags?: Array<string>;
  };
  /** The public detail of a published agent (`GET /v1/agents/{owner}/{slug}`). */
  type AgentDetail = {
    category: string | null;
    conversation_starters: Array<string>;
    created_at: string;
    description: string;
    documentation_url: string | null;
    icon_url: string | null;
    id: Api.AgentId;
    input_modes: Array<string>;
    install_count: number;
    installed: boolean | null;
    latest_version: Api.SemVer | null;
    my_rating: Api.ReviewView | null;
    name: string;
    output_modes: Array<string>;
    owner: string;
    published_at: string | null;
    rating: Api.RatingDetail;
    skills: Array<Api.Skill>;
    slug: string;
    status: Api.AgentStatus;
    status_message: string | null;
    tagline: string;
    tags: Array<string>;
    updated_at: string;
    usage_30d: number;
  };
  /** The owner's view of an agent and its draft (`GET …/draft`): the agent's */
  type AgentDraftView = {
    category?: string | null;
    conversation_starters: Array<string>;
    created_at: string;
    description: string;
    documentation_url?: string | null;
    icon_url?: string | null;
    id: Api.AgentId;
    input_modes: Array<Api.MimeType>;
    input_schema?: unknown;
    latest_version: Api.SemVer | null;
    model?: Api.ModelSettings | null;
    name: string;
    output_modes: Array<Api.MimeType>;
    output_schema?: unknown;
    owner: string;
    skills: Array<Api.Skill>;
    slug: string;
    status: Api.AgentStatus;
    status_message: string | null;
    system_prompt: string;
    tagline: string;
    tags: Array<string>;
    updated_at: string;
    warnings: Array<Api.FieldError>;
  };
  /** Identifies an agent (stable across versions, handle and slug changes). */
  type AgentId = string;
  /** One agent in a marketplace list. */
  type AgentListItem = {
    category: string | null;
    id: Api.AgentId;
    input_modes: Array<string>;
    install_count: number;
    latest_version: Api.SemVer | null;
    name: string;
    output_modes: Array<string>;
    owner: string;
    rating: Api.RatingSummary;
    slug: string;
    status: Api.AgentStatus;
    status_message: string | null;
    tagline: string;
    tags: Array<string>;
    updated_at: string;
  };
  /** One page of a list, with the opaque cursor of the next page. */
  type AgentListItemPage = {
    items: Array<Api.AgentListItem>;
    next_cursor: string | null;
  };
  /** The publisher of an agent. */
  type AgentProvider = {
    organization: string;
    url: string;
  };
  /** Addresses an agent by its public path `owner/slug` (owner is the handle). */
  type AgentRef = {
    owner: string;
    slug: string;
  };
  /** One skill of an A2A AgentCard. */
  type AgentSkill = {
    description: string;
    examples?: Array<string>;
    id: string;
    inputModes?: Array<string> | null;
    name: string;
    outputModes?: Array<string> | null;
    tags: Array<string>;
  };
  /** Lifecycle state of an agent. */
  type AgentStatus = "draft" | "listed" | "unlisted" | "deprecated" | "deleted";
  /** One published, immutable version. */
  type AgentVersion = {
    agent_id: Api.AgentId;
    changelog: string | null;
    definition: Api.AgentDefinition;
    published_at: string;
    published_by: Api.UserId;
    version: Api.SemVer;
  };
  /** Filters of an audit query. All given filters must match. */
  type AuditFilter = {
    action?: string | null;
    actor?: Api.UserId | null;
    from?: string | null;
    subject?: Api.UserId | null;
    target?: string | null;
    to?: string | null;
  };
  /** Identifies an audit record; ordering follows time. */
  type AuditId = string;
  /** One audit record. */
  type AuditRecord = {
    action: string;
    actor: Api.UserId | null;
    at: string;
    details: unknown;
    id: Api.AuditId;
    ip: string | null;
    subject: Api.UserId | null;
    target: string | null;
  };
  /** One page of a list, with the opaque cursor of the next page. */
  type AuditRecordPage = {
    items: Array<Api.AuditRecord>;
    next_cursor: string | null;
  };
  /** Orders of the marketplace list. Within every order, deprecated agents come */
  type CatalogSort = "popular" | "rating" | "newest" | "trending" | "name" | "relevance";
  /** The current and the new password. */
  type ChangeRequest = {
    current_password: string;
    new_password: string;
  };
  /** One chat message of an OpenAI-style chat-completions request. */
  type ChatMessage = {
    content: string;
    role: string;
  };
  /** The exact OpenAI-style chat-completions request body agentmart would send */
  type ChatRequest = {
    max_tokens?: number | null;
    messages: Array<Api.ChatMessage>;
    model: string;
    response_format?: unknown;
    temperature?: number | null;
  };
  /** A model's answer to a `ChatRequest`. */
  type ChatResponse = {
    content: string;
    model: string | null;
  };
  /** Information about the calling client, recorded with sessions and audit records. */
  type ClientInfo = {
    client_key?: string | null;
    ip?: string | null;
    user_agent?: string | null;
  };
  /** Request of `AgentsService::create` (`POST /v1/agents`): the slug and the */
  type CreateAgent = {
    category?: string | null;
    conversation_starters?: Array<string>;
    description?: string;
    documentation_url?: string | null;
    icon_url?: string | null;
    input_modes?: Array<Api.MimeType>;
    input_schema?: unknown;
    model?: Api.ModelSettings | null;
    name: string;
    output_modes?: Array<Api.MimeType>;
    output_schema?: unknown;
    skills?: Array<Api.Skill>;
    slug: string;
    system_prompt?: string;
    tagline?: string;
    tags?: Array<string>;
  };
  /** Usage of one agent on one UTC day. */
  type DailyUsage = {
    date: string;
    events: number;
    units: number;
    users: number;
  };
  /** One page of a list, with the opaque cursor of the next page. */
  type DailyUsagePage = {
    items: Array<Api.DailyUsage>;
    next_cursor: string | null;
  };
  /** The account's password. */
  type DeleteAccountRequest = {
    password?: string;
  };
  /** Changes to a draft (`PATCH …/draft`). A field left `None` (absent) stays as */
  type DraftPatch = {
    category?: string | null;
    conversation_starters?: Array<string> | null;
    description?: string | null;
    documentation_url?: string | null;
    icon_url?: string | null;
    input_modes?: Array<Api.MimeType> | null;
    input_schema?: unknown;
    model?: Api.ModelSettings | null;
    name?: string | null;
    output_modes?: Array<Api.MimeType> | null;
    output_schema?: unknown;
    skills?: Array<Api.Skill> | null;
    system_prompt?: string | null;
    tagline?: string | null;
    tags?: Array<string> | null;
  };
  /** The new address and the current password (re-authentication). */
  type EmailChangeRequest = {
    new_email: string;
    password: string;
  };
  /** An email address. */
  type EmailRequest = {
    email: string;
  };
  /** Stable error codes, identical across Rust, HTTP, Python and Node. */
  type ErrorCode = "malformed_request" | "validation_failed" | "unauthenticated" | "invalid_credentials" | "token_expired" | "token_invalid" | "token_reused" | "forbidden" | "moderation_locked" | "not_found" | "email_taken" | "handle_taken" | "slug_taken" | "version_exists" | "conflict" | "payload_too_large" | "rate_limited" | "internal" | "unavailable";
  /** A user of the host's own identity system (bring-your-own-identity). */
  type ExternalIdentity = {
    display_name?: string | null;
    email?: string | null;
    external_id: string;
    handle?: string | null;
  };
  /** One failing field of a validation error. */
  type FieldError = {
    code: string;
    field: string;
    message: string;
  };
  /** What `MarketService::install` takes. */
  type InstallRequest = {
    version?: string | null;
  };
  /** What `MarketService::install` did. */
  type InstallResult = {
    created: boolean;
    install: Api.InstalledAgent;
  };
  /** One of the caller's installed agents. */
  type InstalledAgent = {
    agent: Api.AgentListItem;
    deleted: boolean;
    installed_at: string;
    pinned_version: Api.SemVer | null;
    updated_at: string;
  };
  /** One page of a list, with the opaque cursor of the next page. */
  type InstalledAgentPage = {
    items: Array<Api.InstalledAgent>;
    next_cursor: string | null;
  };
  /** A JWK set. */
  type Jwks = {
    keys: Array<unknown>;
  };
  /** A marketplace list or search request (`GET /v1/agents`). */
  type ListAgents = {
    category?: string | null;
    cursor?: string | null;
    input_mode?: string | null;
    limit?: number | null;
    output_mode?: string | null;
    owner?: string | null;
    q?: string | null;
    sort?: Api.CatalogSort | null;
    tag?: string | null;
  };
  /** What `MarketService::reviews` takes. */
  type ListReviews = {
    cursor?: string | null;
    limit?: number | null;
    sort?: Api.ReviewSort | null;
  };
  /** `POST /v1/auth/login`. */
  type LoginRequest = {
    email: string;
    password: string;
  };
  /** A MIME type from the allow-list an agent may declare as an input or output mode. */
  type MimeType = "text/plain" | "text/markdown" | "text/html" | "text/csv" | "application/json" | "application/pdf" | "image/png" | "image/jpeg" | "image/webp" | "audio/mpeg" | "audio/wav";
  /** Model settings of an agent. */
  type ModelSettings = {
    max_tokens?: number | null;
    name: string;
    temperature?: number | null;
  };
  /** What `AdminService::moderate_agent` takes. */
  type Moderation = {
    status: Api.AgentStatus;
    status_message?: string | null;
  };
  /** An administrator's decision on an agent that its owner cannot undo */
  type ModerationLock = {
    at: string;
    locked_by_admin: boolean;
    reason?: string | null;
  };
  /** One of the caller's agents in `AgentsService::my_agents` (`GET /v1/me/agents`). */
  type MyAgent = {
    created_at: string;
    id: Api.AgentId;
    latest_version: Api.SemVer | null;
    moderation: Api.ModerationLock | null;
    name: string;
    owner: string;
    slug: string;
    status: Api.AgentStatus;
    status_message: string | null;
    updated_at: string;
  };
  /** One page of a list, with the opaque cursor of the next page. */
  type MyAgentPage = {
    items: Array<Api.MyAgent>;
    next_cursor: string | null;
  };
  /** Limit and cursor of a list request. */
  type PageRequest = {
    cursor?: string | null;
    limit?: number | null;
  };
  /** What a draft would look like and send (`POST …/preview`). */
  type Preview = {
    card: Api.AgentCard;
    chat_request: Api.ChatRequest;
    model_response: Api.ChatResponse | null;
    warnings: Array<Api.FieldError>;
  };
  /** Request of `AgentsService::preview`. */
  type PreviewRequest = {
    input?: string | null;
  };
  /** Who is acting. Every call that acts for a user takes one. */
  type Principal = {
    role: Api.Role;
    session_id: Api.SessionId | null;
    user_id: Api.UserId;
  };
  /** An RFC 9457 problem document; every error answer is one (media type application/problem+json). */
  type Problem = {
    code: Api.ErrorCode;
    detail: string;
    errors?: Array<Api.FieldError>;
    request_id: string | null;
    status: number;
    title: string;
    truncated?: boolean;
    type: string;
  };
  /** A user's own view of their account (`GET /v1/me`). */
  type Profile = {
    avatar_url: string | null;
    bio: string | null;
    created_at: string;
    display_name: string | null;
    email: string | null;
    email_verified: boolean;
    handle: string;
    id: Api.UserId;
    role: Api.Role;
  };
  /** Changes to a profile; `None` leaves a field as it is, `Some(None)` clears an optional field. */
  type ProfilePatch = {
    avatar_url?: string | null;
    bio?: string | null;
    display_name?: string | null;
    handle?: string | null;
  };
  /** Request of `AgentsService::publish` (`POST …/versions`). */
  type PublishRequest = {
    changelog?: string | null;
    version: string;
  };
  /** What `MarketService::rate` takes. */
  type RateRequest = {
    body?: string | null;
    stars: number;
    title?: string | null;
  };
  /** A rating summary with the 1–5 histogram. */
  type RatingDetail = {
    count: number;
    histogram: Array<number>;
    mean: number;
  };
  /** A rating summary: arithmetic mean of the stars (0 when unrated) and count. */
  type RatingSummary = {
    count: number;
    mean: number;
  };
  /** A refresh token. */
  type RefreshRequest = {
    refresh_token: string;
  };
  /** `POST /v1/auth/register`. */
  type RegisterRequest = {
    display_name?: string | null;
    email: string;
    handle?: string | null;
    password: string;
  };
  /** The answer to a registration: the new profile and the first session's tokens. */
  type Registered = {
    tokens: Api.TokenPair;
    user: Api.Profile;
  };
  /** A reset token and the new password. */
  type ResetRequest = {
    new_password: string;
    token: string;
  };
  /** The author of a review, as shown publicly. */
  type ReviewAuthor = {
    display_name: string | null;
    handle: string;
  };
  /** Identifies a review (a rating with optional title and body). */
  type ReviewId = string;
  /** Orders of an agent's reviews. */
  type ReviewSort = "newest" | "stars";
  /** A review as shown publicly. */
  type ReviewView = {
    body: string | null;
    created_at: string;
    id: Api.ReviewId;
    stars: number;
    title: string | null;
    updated_at: string;
    user: Api.ReviewAuthor;
    version: Api.SemVer | null;
  };
  /** One page of a list, with the opaque cursor of the next page. */
  type ReviewViewPage = {
    items: Array<Api.ReviewView>;
    next_cursor: string | null;
  };
  /** What a user may do beyond their own resources. */
  type Role = "user" | "admin";
  type SemVer = string;
  /** Identifies a login session (one refresh-token family). */
  type SessionId = string;
  /** A session as its owner sees it (`GET /v1/auth/sessions`). */
  type SessionInfo = {
    created_at: string;
    current: boolean;
    id: Api.SessionId;
    ip: string | null;
    last_used_at: string;
    user_agent: string | null;
  };
  /** One page of a list, with the opaque cursor of the next page. */
  type SessionInfoPage = {
    items: Array<Api.SessionInfo>;
    next_cursor: string | null;
  };
  /** One capability of an agent (an A2A skill). */
  type Skill = {
    description?: string;
    examples?: Array<string>;
    id: string;
    name: string;
    tags?: Array<string>;
  };
  /** A health answer. */
  type Status = {
    status: string;
    store?: string;
  };
  /** Request of `AgentsService::set_status` (`PATCH /v1/agents/{owner}/{slug}`). */
  type StatusChange = {
    status: Api.AgentStatus;
    status_message?: string | null;
  };
  /** Access and refresh token pair (`tokens` in API.md). */
  type TokenPair = {
    access_token: string;
    expires_in: number;
    refresh_token: string;
    token_type: string;
  };
  /** A verification token. */
  type TokenRequest = {
    token: string;
  };
  /** One recorded usage event. */
  type UsageEvent = {
    agent_id: Api.AgentId;
    event: string;
    occurred_at: string;
    units: number;
    user_id: Api.UserId;
  };
  /** What `MarketService::usage` takes. Dates are UTC days, both inclusive. */
  type UsageQuery = {
    from?: string | null;
    to?: string | null;
  };
  /** What `MarketService::record_usage` takes. */
  type UsageRequest = {
    event?: string | null;
    occurred_at?: string | null;
    units?: number | null;
  };
  /** Identifies a user account. */
  type UserId = string;
  /** One published, immutable version (`GET …/versions`, `…/versions/{version}`). */
  type VersionView = {
    agent_id: Api.AgentId;
    category?: string | null;
    changelog: string | null;
    conversation_starters: Array<string>;
    description: string;
    documentation_url?: string | null;
    icon_url?: string | null;
    input_modes: Array<Api.MimeType>;
    input_schema?: unknown;
    model?: Api.ModelSettings | null;
    name: string;
    output_modes: Array<Api.MimeType>;
    output_schema?: unknown;
    owner: string;
    published_at: string;
    skills: Array<Api.Skill>;
    slug: string;
    system_prompt?: string | null;
    tagline: string;
    tags: Array<string>;
    version: Api.SemVer;
  };
  /** One page of a list, with the opaque cursor of the next page. */
  type VersionViewPage = {
    items: Array<Api.VersionView>;
    next_cursor: string | null;
  };
}
