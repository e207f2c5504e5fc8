package console

import "strings"

// HolderLabel is how the console names whoever holds a conversation: a
// console agent by e-mail; a Chatwoot agent, whose handoff agent is
// "chatwoot:<user id>:<name>" (chatwoot.AgentID), as "held in Chatwoot by
// NAME" — the agent sits in Chatwoot, answering there.
func HolderLabel(agent string) string {
	rest, ok := strings.CutPrefix(agent, "chatwoot:")
	if !ok {
		return agent
	}
	_, name, _ := strings.Cut(rest, ":")
	if name = strings.TrimSpace(name); name == "" {
		name = "an agent"
	}
	return "held in Chatwoot by " + name
}

// AuthorLabel names who wrote a message: a console agent by e-mail, a
// Chatwoot agent as "NAME (Chatwoot)".
func AuthorLabel(agent string) string {
	rest, ok := strings.CutPrefix(agent, "chatwoot:")
	if !ok {
		return agent
	}
	_, name, _ := strings.Cut(rest, ":")
	return strings.TrimSpace(name) + " (Chatwoot)"
}
