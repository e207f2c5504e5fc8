package dialogs

// Case is what the bot looked up about the person behind a conversation,
// handed to the engine with each event so that Step stays pure.
type Case struct {
	Creditor Creditor `json:"creditor"`
	Debtor   *Debtor  `json:"debtor,omitempty"` // nil when the number is unknown
	Debts    []Debt   `json:"debts,omitempty"`
}

// Creditor is who is owed, as the conversation needs to know it.
type Creditor struct {
	ID                 string `json:"id" yaml:"id"`
	Name               string `json:"name" yaml:"name"`
	CNPJ               string `json:"cnpj" yaml:"cnpj"`
	Address            string `json:"address,omitempty" yaml:"address"`
	Phone              string `json:"phone,omitempty" yaml:"phone"` // official phone, for scam concerns
	Site               string `json:"site,omitempty" yaml:"site"`
	Verification       string `json:"verification,omitempty" yaml:"verification"` // cpf3 | birthdate | none
	BusinessHours      string `json:"business_hours,omitempty" yaml:"business_hours"`
	PromiseHorizonDays int    `json:"promise_horizon_days,omitempty" yaml:"promise_horizon_days"`
	// HandoffAboveCents sends debts above this amount to a person after verification (0: never).
	HandoffAboveCents int64  `json:"handoff_above_cents,omitempty" yaml:"handoff_above_cents"`
	TipURL            string `json:"tip_url,omitempty" yaml:"tip_url"`                 // financial-education tip
	PaidPauseDays     int    `json:"paid_pause_days,omitempty" yaml:"paid_pause_days"` // "já paguei" pauses reminders this long
	// SupportLine is the emotional-support line named to a debtor in
	// distress whose number is not Brazilian (CVV 188 serves Brazil).
	SupportLine SupportLine `json:"support_line,omitzero" yaml:"support_line"`
}

// SupportLine is a crisis or emotional-support line: a name and a phone
// or a site (both when it has them).
type SupportLine struct {
	Name  string `json:"name,omitempty" yaml:"name"`
	Phone string `json:"phone,omitempty" yaml:"phone"`
	URL   string `json:"url,omitempty" yaml:"url"`
}

// Set reports whether the line can be named.
func (l SupportLine) Set() bool { return l.Name != "" && (l.Phone != "" || l.URL != "") }

// Identity checks (Creditor.Verification).
const (
	VerifyCPF3      = "cpf3"      // the first 3 digits of the CPF (the default)
	VerifyBirthDate = "birthdate" // the birth date
	VerifyNone      = "none"      // the number alone is trusted
)

// Debtor is the person who owes.
type Debtor struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	CPF       string   `json:"cpf"`
	BirthDate string   `json:"birth_date,omitempty"` // YYYY-MM-DD
	Phones    []string `json:"phones,omitempty"`     // E.164
	Email     string   `json:"email,omitempty"`
	Language  string   `json:"language,omitempty"`
	TimeZone  string   `json:"timezone,omitempty"`
	Channel   string   `json:"channel,omitempty"` // preferred channel
	VIP       bool     `json:"vip,omitempty"`
	Delays    int      `json:"delays,omitempty"` // past late payments: history shapes the tone
	// Address is the postal address a bank needs to register a boleto
	// drawn on the debtor (CNAB 240 segment Q); nil when unknown.
	Address *PostalAddress `json:"address,omitempty"`
}

// PostalAddress is a Brazilian postal address.
type PostalAddress struct {
	Street   string `json:"street"` // logradouro, número, complemento
	District string `json:"district,omitempty"`
	CEP      string `json:"cep"` // 8 digits
	City     string `json:"city"`
	State    string `json:"state"` // UF
}

// Debt statuses.
const (
	DebtOpen      = "open"
	DebtPaid      = "paid"
	DebtDisputed  = "disputed"
	DebtAgreement = "agreement"
)

// Debt is one amount owed.
type Debt struct {
	ID            string `json:"id"`
	CreditorID    string `json:"creditor_id"`
	DebtorID      string `json:"debtor_id"`
	Invoice       string `json:"invoice"`
	Description   string `json:"description,omitempty"`
	AmountCents   int64  `json:"amount_cents"`
	DueDate       string `json:"due_date"` // YYYY-MM-DD
	PurchaseDate  string `json:"purchase_date,omitempty"`
	PaymentMethod string `json:"payment_method,omitempty"`
	Status        string `json:"status"`
}
