package config

import (
	"fmt"
	"net/url"
	"strings"
)

// reservedSuffixes are the names RFC 2606 (§2 and §3) reserves for tests,
// documentation and examples: no one can register them, so an e-mail, PIX key
// or site under them can never receive money or mail. The demo and the
// example file use them on purpose; a production configuration must not.
var reservedSuffixes = []string{".example", ".test", ".invalid", ".localhost",
	"example.com", "example.net", "example.org"}

// reservedDomain returns the reserved name that s (an e-mail, a URL or a host)
// falls under, or "".
func reservedDomain(s string) string {
	host := strings.ToLower(strings.TrimSpace(s))
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	} else if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	host = strings.TrimSuffix(host, ".")
	for _, r := range reservedSuffixes {
		if name := strings.TrimPrefix(r, "."); host == name || strings.HasSuffix(host, "."+name) {
			return r
		}
	}
	return ""
}

// ExampleProblems lists what makes f unfit for production: the file's
// example: true marker, and each creditor's identity (PIX key, site, boleto
// account) that is an example by construction. Each says which creditor and
// how to fix it.
func (f File) ExampleProblems() []Problem {
	var out []Problem
	if f.Example {
		out = append(out, Problem{Severity: SevError, Text: "the file is marked example: true (it is the example configuration): copy it, put your creditors' own data in the copy, remove the example: line and point QUITA_CONFIG at the copy"})
	}
	for _, c := range f.Creditors {
		bad := func(what, value, where string) {
			out = append(out, Problem{Creditor: c.ID, Severity: SevError,
				Text: fmt.Sprintf("%s %q is under %s, reserved for examples (RFC 2606): it can never be the creditor's; put the creditor's own %s", what, value, where, what)})
		}
		if r := reservedDomain(c.Site); c.Site != "" && r != "" {
			bad("site", c.Site, r)
		}
		var pix Pix
		if c.Pix.Kind != 0 && c.Pix.Decode(&pix) == nil {
			if r := reservedDomain(pix.Key); pix.Key != "" && r != "" {
				bad("pix key", pix.Key, r)
			}
		}
		var acct struct {
			Example bool `yaml:"example"`
		}
		if c.Boleto.Kind != 0 && c.Boleto.Decode(&acct) == nil && acct.Example {
			out = append(out, Problem{Creditor: c.ID, Severity: SevError,
				Text: "boleto: is marked example: true (a made-up account): put the creditor's own bank account and remove the example: line"})
		}
	}
	return out
}
