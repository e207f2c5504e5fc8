package config

import (
	"fmt"
	"os"
	"strings"
)

// Billing providers a creditor may choose in its `billing:` section.
const (
	ProviderLocal  = "local"   // boletos computed here, registered by CNAB 240 remessa; static PIX
	ProviderAsaas  = "asaas"   // Asaas API v3
	ProviderPixAPI = "pix_api" // Banco Central's API Pix at the creditor's PSP
)

// BillingProviderConfig is a creditor's `billing:` section. Secrets are
// never in the file: each *_env field names the environment variable that
// holds one.
type BillingProviderConfig struct {
	Provider string       `yaml:"provider"` // local | asaas | pix_api; local when the section is missing
	Asaas    AsaasConfig  `yaml:"asaas"`
	PixAPI   PixAPIConfig `yaml:"pix_api"`
}

// AsaasConfig is `billing: asaas:`.
type AsaasConfig struct {
	APIURL          string `yaml:"api_url"` // https://api.asaas.com/v3 or https://api-sandbox.asaas.com/v3
	APIKeyEnv       string `yaml:"api_key_env"`
	WebhookTokenEnv string `yaml:"webhook_token_env"`
}

// PixAPIConfig is `billing: pix_api:`.
type PixAPIConfig struct {
	BaseURL         string `yaml:"base_url"`
	TokenURL        string `yaml:"token_url"`
	ClientIDEnv     string `yaml:"client_id_env"`
	ClientSecretEnv string `yaml:"client_secret_env"`
	CertFile        string `yaml:"cert_file"` // mTLS client certificate (PEM)
	KeyFile         string `yaml:"key_file"`
	CAFile          string `yaml:"ca_file"` // optional CA bundle for the PSP's server certificate
	Key             string `yaml:"key"`     // the creditor's chave Pix that receives
	// Recurring is true when the PSP offers Pix Automático (/rec, /cobr):
	// agreements in installments then offer the debtor a one-time
	// authorisation of the monthly debit.
	Recurring bool `yaml:"recurring"`
	// RecurringAccount is the creditor's account at the PSP that the debits
	// are credited to (DadosBancariosRecebedor, required by each cobr).
	RecurringAccount RecurringAccount `yaml:"recurring_account"`
	// RecurringNoticeDays is how many days before each debit the debtor's
	// courtesy notice goes and the debit is issued (default 3; the PSP
	// must have the debit 2 to 10 days ahead).
	RecurringNoticeDays int `yaml:"recurring_notice_days"`
	// RecurringRetry lets the PSP try a refused debit again, up to three
	// times in the seven days after its date (politicaRetentativa
	// PERMITE_3R_7D); off, a refused debit falls back to a reminder at once.
	RecurringRetry bool `yaml:"recurring_retry"`
}

// RecurringAccount is `billing: pix_api: recurring_account:`.
type RecurringAccount struct {
	Branch string `yaml:"agencia"`    // up to 4 digits; optional for a payment account
	Number string `yaml:"conta"`      // the account number
	Type   string `yaml:"tipo_conta"` // CORRENTE | POUPANCA | PAGAMENTO
}

// NoticeDays is RecurringNoticeDays with its default.
func (p PixAPIConfig) NoticeDays() int {
	if p.RecurringNoticeDays <= 0 {
		return 3
	}
	return p.RecurringNoticeDays
}

// BillingProvider decodes a creditor's `billing:` section; a creditor
// without one uses the local provider.
func (d *Directory) BillingProvider(creditorID string) (BillingProviderConfig, error) {
	c, ok := d.Section(creditorID)
	if !ok {
		return BillingProviderConfig{}, fmt.Errorf("creditor %q is not in QUITA_CONFIG: add it under creditors:", creditorID)
	}
	var bp BillingProviderConfig
	if c.BillingProvider.Kind != 0 {
		if err := c.BillingProvider.Decode(&bp); err != nil {
			return bp, fmt.Errorf("creditor %s: billing: %w", c.ID, err)
		}
	}
	if bp.Provider == "" {
		bp.Provider = ProviderLocal
	}
	return bp, nil
}

// Problems lists what stops the provider from working, reading the
// environment for the variables it names (never their values).
func (bp BillingProviderConfig) Problems(getenv func(string) string) []string {
	if getenv == nil {
		getenv = os.Getenv
	}
	var out []string
	need := func(field, value string) {
		if strings.TrimSpace(value) == "" {
			out = append(out, fmt.Sprintf("billing: %s: %s is required", bp.Provider, field))
		}
	}
	needEnv := func(field, name string) {
		need(field, name)
		if name != "" && getenv(name) == "" {
			out = append(out, fmt.Sprintf("billing: %s: %s names %s, which is not set in the environment", bp.Provider, field, name))
		}
	}
	needFile := func(field, path string) {
		need(field, path)
		if path != "" {
			if _, err := os.Stat(path); err != nil {
				out = append(out, fmt.Sprintf("billing: %s: %s: %v", bp.Provider, field, err))
			}
		}
	}
	switch bp.Provider {
	case ProviderLocal:
	case ProviderAsaas:
		need("api_url", bp.Asaas.APIURL)
		needEnv("api_key_env", bp.Asaas.APIKeyEnv)
		needEnv("webhook_token_env", bp.Asaas.WebhookTokenEnv)
	case ProviderPixAPI:
		need("base_url", bp.PixAPI.BaseURL)
		need("token_url", bp.PixAPI.TokenURL)
		need("key", bp.PixAPI.Key)
		needEnv("client_id_env", bp.PixAPI.ClientIDEnv)
		needEnv("client_secret_env", bp.PixAPI.ClientSecretEnv)
		needFile("cert_file", bp.PixAPI.CertFile)
		needFile("key_file", bp.PixAPI.KeyFile)
		if bp.PixAPI.CAFile != "" {
			needFile("ca_file", bp.PixAPI.CAFile)
		}
		if pa := bp.PixAPI; pa.Recurring {
			need("recurring_account.conta (the account the Pix Automático debits are credited to)", pa.RecurringAccount.Number)
			switch pa.RecurringAccount.Type {
			case "CORRENTE", "POUPANCA", "PAGAMENTO":
			default:
				out = append(out, fmt.Sprintf("billing: pix_api: recurring_account.tipo_conta %q must be CORRENTE, POUPANCA or PAGAMENTO", pa.RecurringAccount.Type))
			}
			if len(pa.RecurringAccount.Branch) > 4 {
				out = append(out, "billing: pix_api: recurring_account.agencia has at most 4 digits")
			}
			if d := pa.RecurringNoticeDays; d != 0 && (d < 2 || d > 10) {
				out = append(out, fmt.Sprintf("billing: pix_api: recurring_notice_days %d must be 2 to 10: the PSP needs each debit 2 to 10 days ahead", d))
			}
		}
	default:
		out = append(out, fmt.Sprintf("billing: provider %q is unknown: use local, asaas or pix_api", bp.Provider))
	}
	return out
}

// IssuesBoletos reports whether the provider itself issues boletos (else
// they come from the creditor's boleto: section, computed locally).
func (bp BillingProviderConfig) IssuesBoletos() bool { return bp.Provider == ProviderAsaas }

// IssuesPix reports whether the provider itself issues PIX charges (else
// they are static codes on the creditor's pix: key).
func (bp BillingProviderConfig) IssuesPix() bool {
	return bp.Provider == ProviderAsaas || bp.Provider == ProviderPixAPI
}
