// Package chatwoot bridges quita to Chatwoot, the open-source omnichannel
// inbox, so that collection agents can answer debtors from the inbox they
// already use. quita keeps the channels and the rules: Chatwoot is one
// more place where its agents sit.
//
// What is here:
//   - Config (config.go): the QUITA_CHATWOOT_* environment variables.
//   - Client (client.go): the few Application API calls the bridge makes,
//     authenticated by the api_access_token header.
//   - Verify/Sign (signature.go): Chatwoot's webhook signature.
//   - Event (webhook.go): the webhook payloads the bridge reads.
//   - Mirror (mirror*.go): quita's conversations copied into Chatwoot in
//     order, from a durable Redis work queue, with retries.
//   - Inbound (inbound.go): what agents do in Chatwoot applied to quita.
//
// Built from Chatwoot's public source (github.com/chatwoot/chatwoot,
// develop, 2026) and pull requests, since no Chatwoot is reachable from
// our machines; package chatwoottest is a fake of the same surface:
//   - app/controllers/api/v1/accounts/contacts_controller.rb (search is an
//     ILIKE over name, e-mail, phone and identifier: results are filtered
//     to the exact phone here; update merges custom_attributes),
//   - app/controllers/api/v1/accounts/conversations_controller.rb
//     (create through ConversationBuilder with source_id/inbox_id/
//     contact_id/status/team_id; toggle_status; a user token that is an
//     *agent* opening a conversation is made its assignee by
//     handle_human_open, hence the administrator token in the README),
//   - app/controllers/api/v1/accounts/conversations/messages_controller.rb
//     and app/builders/messages/message_builder.rb (message_type incoming
//     only in API inboxes; private; source_id, echo_id and
//     content_attributes as a Hash or a JSON string; attachments[] as
//     multipart; PATCH status/external_error only for API inboxes),
//   - app/models/message.rb webhook_data (id, content, message_type as a
//     string, private, source_id, content_attributes, sender with its type
//     "user" | "contact" | "agent_bot", conversation, inbox) and
//     app/presenters/conversations/event_data_presenter.rb push_data (the
//     conversation payload: id is the display id, status, labels,
//     meta.assignee, meta.team, contact_inbox.source_id),
//   - app/listeners/webhook_listener.rb (message_created,
//     conversation_status_changed and conversation_updated with
//     changed_attributes; account webhooks fire for every inbox, so events
//     are filtered by inbox here),
//   - lib/webhooks/trigger.rb and PR #13573 (X-Chatwoot-Signature,
//     X-Chatwoot-Timestamp, X-Chatwoot-Delivery), PR #13892 (the same
//     signature for API-channel inboxes and agent bots, each with its own
//     secret) and issue #13809 (the pitfall: the signed string is
//     "{timestamp}.{body}", and an API inbox's HMAC token is not the
//     webhook secret).
package chatwoot
