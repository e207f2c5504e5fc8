package chatwoot

import (
	"strconv"
	"strings"
)

// agentPrefix marks quita handoff agents that are Chatwoot users: the
// console shows them as "held in Chatwoot by NAME".
const agentPrefix = "chatwoot:"

// AgentID is the handoff agent quita records for a Chatwoot user:
// "chatwoot:<user id>:<name>".
func AgentID(userID int64, name string) string {
	return agentPrefix + strconv.FormatInt(userID, 10) + ":" + strings.TrimSpace(name)
}

// ParseAgentID splits an AgentID; ok is false for a quita console agent.
func ParseAgentID(agent string) (userID int64, name string, ok bool) {
	rest, found := strings.CutPrefix(agent, agentPrefix)
	if !found {
		return 0, "", false
	}
	idPart, name, _ := strings.Cut(rest, ":")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return id, name, true
}

// HeldInChatwoot is what quita's console says of a conversation held by a
// Chatwoot agent ("" when agent is not one).
func HeldInChatwoot(agent string) string {
	_, name, ok := ParseAgentID(agent)
	if !ok {
		return ""
	}
	if name == "" {
		name = "an agent"
	}
	return "held in Chatwoot by " + name
}
