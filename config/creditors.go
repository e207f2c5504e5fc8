package config

import (
	"errors"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/quita-bot/quita/dialogs"
)

// Creditor is one creditor's section of the YAML file. The conversation
// facts are decoded here; each other part (payments policy, boleto account,
// PIX, cadence, contact gate) is kept as YAML and decoded by the package that
// owns it, so that this package does not grow with every feature.
type Creditor struct {
	dialogs.Creditor `yaml:",inline"`
	Payments         yaml.Node `yaml:"payments"`
	Boleto           yaml.Node `yaml:"boleto"`
	Pix              yaml.Node `yaml:"pix"`
	// BillingProvider is the `billing:` section: which bank or payment
	// institution registers the creditor's charges (config/billing_provider.go).
	BillingProvider yaml.Node `yaml:"billing"`
	Cadence         yaml.Node `yaml:"cadence"`
	Gate            yaml.Node `yaml:"gate"`
	Handoff         yaml.Node `yaml:"handoff"`
	// WhatsAppTemplates maps catalog keys to approved WhatsApp templates (package templates).
	WhatsAppTemplates yaml.Node `yaml:"whatsapp_templates"`
	// RetentionDays: days after a debt closes before the archive and Redis
	// anonymise its debtor (default DefaultRetentionDays; retention.go).
	RetentionDays int `yaml:"retention_days"`
	// SMSEncoding is gsm or unicode (the default): see config/messaging.go.
	SMSEncoding string `yaml:"sms_encoding"`
	// Prices is the `prices:` section: what each message costs (config/messaging.go).
	Prices yaml.Node `yaml:"prices"`
}

// File is the YAML file named by QUITA_CONFIG.
type File struct {
	// Example marks the demo and the example file: a production start
	// (REDIS_URL set) refuses a file that has it.
	Example   bool       `yaml:"example"`
	Creditors []Creditor `yaml:"creditors"`
}

// LoadFile reads and validates the YAML file; path "" gives the demo creditor.
func LoadFile(path string) (File, error) {
	if path == "" {
		return DemoFile(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("QUITA_CONFIG: %w", err)
	}
	var f File
	if err := yaml.Unmarshal(b, &f); err != nil {
		return File{}, fmt.Errorf("QUITA_CONFIG %s: %w", path, err)
	}
	return f, f.validate()
}

func (f File) validate() error {
	if len(f.Creditors) == 0 {
		return errors.New("QUITA_CONFIG: no creditors: add at least one under creditors:")
	}
	seen := map[string]bool{}
	for i, c := range f.Creditors {
		switch {
		case c.ID == "":
			return fmt.Errorf("QUITA_CONFIG: creditor #%d has no id", i+1)
		case seen[c.ID]:
			return fmt.Errorf("QUITA_CONFIG: creditor id %q appears twice", c.ID)
		case c.Name == "" || c.CNPJ == "":
			return fmt.Errorf("QUITA_CONFIG: creditor %q needs a name and a CNPJ (CDC art. 42-A)", c.ID)
		}
		if c.RetentionDays < 0 {
			return fmt.Errorf("QUITA_CONFIG: creditor %q: retention_days must be positive (default %d, five years)", c.ID, DefaultRetentionDays)
		}
		switch c.Verification {
		case "", "cpf3", "birthdate", "none":
		default:
			return fmt.Errorf("QUITA_CONFIG: creditor %q: verification %q: use cpf3, birthdate or none", c.ID, c.Verification)
		}
		seen[c.ID] = true
	}
	return nil
}

// Directory answers creditor look-ups (bot.Directory).
type Directory struct {
	file     File
	examples bool              // example identities may issue charges: embedded demo mode only
	prices   map[string]Prices // by creditor, decoded once (those with a prices: section that decodes)
}

// NewDirectory wraps a loaded file. Its example identities (an account marked
// example: true, a PIX key under .example) issue nothing: see AllowExamples.
func NewDirectory(f File) *Directory {
	d := &Directory{file: f, prices: map[string]Prices{}}
	for _, c := range f.Creditors {
		if p, err := c.prices(); err == nil && p != nil {
			d.prices[c.ID] = *p
		}
	}
	return d
}

// AllowExamples lets the example identities issue (unpayable) demo charges.
// Only embedded demo mode calls it.
func (d *Directory) AllowExamples() *Directory { d.examples = true; return d }

// Creditor finds a creditor's conversation facts by id.
func (d *Directory) Creditor(id string) (dialogs.Creditor, bool) {
	c, ok := d.Section(id)
	return c.Creditor, ok
}

// DefaultCreditor is the first creditor of the file.
func (d *Directory) DefaultCreditor() dialogs.Creditor { return d.file.Creditors[0].Creditor }

// Section returns a creditor's whole YAML section.
func (d *Directory) Section(id string) (Creditor, bool) {
	for _, c := range d.file.Creditors {
		if c.ID == id {
			return c, true
		}
	}
	return Creditor{}, false
}

// Creditors lists every creditor section.
func (d *Directory) Creditors() []Creditor { return d.file.Creditors }
