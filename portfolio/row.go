package portfolio

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Columns are the documented CSV columns (and JSON fields) in order.
var Columns = []string{"creditor", "debtor_name", "cpf", "phone", "phone2", "email", "channel", "language", "timezone",
	"invoice", "description", "amount", "due_date", "purchase_date", "payment_method", "nosso_numero", "birth_date", "vip", "delays",
	"address", "district", "cep", "city", "state"}

// required columns of every row.
var required = []string{"creditor", "debtor_name", "cpf", "phone", "invoice", "amount", "due_date"}

// requiredIdx are the required columns' indexes in Columns.
var requiredIdx = func() []int {
	out := make([]int, len(required))
	for i, c := range required {
		out[i] = slices.Index(Columns, c)
	}
	return out
}()

// Row is one debt as a creditor sends it (CSV columns or JSON fields).
type Row struct {
	Line          int    `json:"-"` // CSV line, or 1-based index in a JSON array
	Creditor      string `json:"creditor"`
	DebtorName    string `json:"debtor_name"`
	CPF           string `json:"cpf"`
	Phone         string `json:"phone"`
	Phone2        string `json:"phone2,omitempty"`
	Email         string `json:"email,omitempty"`
	Channel       string `json:"channel,omitempty"`
	Language      string `json:"language,omitempty"`
	TimeZone      string `json:"timezone,omitempty"`
	Invoice       string `json:"invoice"`
	Description   string `json:"description,omitempty"`
	Amount        string `json:"amount"` // 1234.56, 1.234,56 or 359,90
	DueDate       string `json:"due_date"`
	PurchaseDate  string `json:"purchase_date,omitempty"`
	PaymentMethod string `json:"payment_method,omitempty"`
	NossoNumero   string `json:"nosso_numero,omitempty"`
	BirthDate     string `json:"birth_date,omitempty"`
	VIP           string `json:"vip,omitempty"`
	Delays        string `json:"delays,omitempty"`
	// The debtor's postal address, which a bank needs to register a boleto
	// (CNAB 240 segment Q): all of address, cep, city and state, or none.
	Address  string `json:"address,omitempty"`
	District string `json:"district,omitempty"`
	CEP      string `json:"cep,omitempty"`
	City     string `json:"city,omitempty"`
	State    string `json:"state,omitempty"`
	// problems are what the reader found wrong with a field's cell (a
	// number Excel made of a phone that cannot be restored); Validate
	// reports them instead of checking those fields.
	problems []FieldError
}

// values are the row's values in the order of Columns (all 24).
func (r *Row) values() [24]string {
	return [...]string{r.Creditor, r.DebtorName, r.CPF, r.Phone, r.Phone2, r.Email, r.Channel, r.Language, r.TimeZone,
		r.Invoice, r.Description, r.Amount, r.DueDate, r.PurchaseDate, r.PaymentMethod, r.NossoNumero, r.BirthDate, r.VIP, r.Delays,
		r.Address, r.District, r.CEP, r.City, r.State}
}

// Get is a row's value of a column (one of Columns).
func (r Row) Get(col string) string {
	if i := slices.Index(Columns, col); i >= 0 {
		return r.values()[i]
	}
	return ""
}

func (r *Row) set(col, v string) {
	v = strings.TrimSpace(v)
	switch col {
	case "creditor":
		r.Creditor = v
	case "debtor_name":
		r.DebtorName = v
	case "cpf":
		r.CPF = v
	case "phone":
		r.Phone = v
	case "phone2":
		r.Phone2 = v
	case "email":
		r.Email = v
	case "channel":
		r.Channel = v
	case "language":
		r.Language = v
	case "timezone":
		r.TimeZone = v
	case "invoice":
		r.Invoice = v
	case "description":
		r.Description = v
	case "amount":
		r.Amount = v
	case "due_date":
		r.DueDate = v
	case "purchase_date":
		r.PurchaseDate = v
	case "payment_method":
		r.PaymentMethod = v
	case "nosso_numero":
		r.NossoNumero = v
	case "birth_date":
		r.BirthDate = v
	case "vip":
		r.VIP = v
	case "delays":
		r.Delays = v
	case "address":
		r.Address = v
	case "district":
		r.District = v
	case "cep":
		r.CEP = v
	case "city":
		r.City = v
	case "state":
		r.State = v
	}
}

// FieldError is one problem in one row.
type FieldError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Message) }

// Creditors says which creditor ids exist (nil accepts any).
type Creditors func(id string) bool

// Validated is a row ready to store, with what the scheduler needs.
type Validated struct {
	Line     int
	Row      storage.ImportRow
	DueDate  string
	TimeZone string
}

// Validate checks every field of a row and returns all its problems; a row
// with any problem is not imported at all.
func Validate(r Row, creditors Creditors) (Validated, []FieldError) {
	var errs []FieldError
	var reported uint32 // columns (bits by index in Columns) already reported: not checked again
	report := func(f, msg string) {
		errs = append(errs, FieldError{Line: r.Line, Field: f, Message: msg})
		reported |= 1 << columnOrder(f)
	}
	for _, p := range r.problems {
		report(p.Field, p.Message)
	}
	vals := r.values()
	for i, v := range vals {
		if msg := textProblem(v); msg != "" {
			report(Columns[i], msg)
		}
	}
	bad := func(f, msg string, a ...any) {
		if reported&(1<<columnOrder(f)) == 0 {
			errs = append(errs, FieldError{Line: r.Line, Field: f, Message: fmt.Sprintf(msg, a...)})
		}
	}
	for _, i := range requiredIdx {
		if vals[i] == "" {
			bad(Columns[i], "required")
		}
	}
	if r.Creditor != "" && creditors != nil && !creditors(r.Creditor) {
		bad("creditor", "unknown creditor %q: add it to the QUITA_CONFIG file", r.Creditor)
	}
	cpf, cpfErr := readCPF(r.CPF)
	if r.CPF != "" && cpfErr != "" {
		bad("cpf", "%s", cpfErr)
	}
	var phones []string
	for _, p := range []struct{ f, v string }{{"phone", r.Phone}, {"phone2", r.Phone2}} {
		if p.v == "" {
			continue
		}
		n, err := channels.NormalizePhone(p.v)
		if err != nil {
			bad(p.f, "%v", err)
			continue
		}
		phones = append(phones, n)
	}
	cents, err := ParseAmount(r.Amount)
	if r.Amount != "" && err != nil {
		bad("amount", "%v", err)
	}
	due, err := ParseDate(r.DueDate)
	if r.DueDate != "" && err != nil {
		bad("due_date", "%v", err)
	}
	purchase, err := ParseDate(r.PurchaseDate)
	if r.PurchaseDate != "" && err != nil {
		bad("purchase_date", "%v", err)
	}
	birth, err := ParseDate(r.BirthDate)
	if r.BirthDate != "" && err != nil {
		bad("birth_date", "%v", err)
	}
	if r.TimeZone != "" {
		if _, err := dialogs.LoadZone(r.TimeZone); err != nil {
			bad("timezone", "%q is not a time zone such as America/Sao_Paulo", r.TimeZone)
		}
	}
	if r.Email != "" && (!strings.Contains(r.Email, "@") || strings.ContainsAny(r.Email, " ,;")) {
		bad("email", "%q is not an e-mail address", r.Email)
	}
	switch strings.ToLower(r.Language) {
	case "", "pt", "pt-br", "es", "en":
	default:
		bad("language", "%q: use pt, es or en", r.Language)
	}
	vip := ""
	switch strings.ToLower(r.VIP) {
	case "", "0", "no", "não", "nao", "false":
	case "1", "yes", "sim", "true":
		vip = "1"
	default:
		bad("vip", "%q: use sim or não", r.VIP)
	}
	if r.Delays != "" {
		if n, err := strconv.Atoi(r.Delays); err != nil || n < 0 {
			bad("delays", "%q is not a count", r.Delays)
		}
	}
	addr := postalAddress(r, bad)
	for _, f := range []struct{ name, v string }{{"invoice", r.Invoice}, {"creditor", r.Creditor}} {
		if strings.ContainsAny(f.v, "|,") {
			bad(f.name, "must not contain | or ,")
		}
	}
	if len(errs) > 0 {
		// in the order of the columns, as the row reads
		slices.SortStableFunc(errs, func(a, b FieldError) int {
			return columnOrder(a.Field) - columnOrder(b.Field)
		})
		return Validated{}, errs
	}
	v := Validated{Line: r.Line, DueDate: due, TimeZone: r.TimeZone, Row: storage.ImportRow{
		Creditor: r.Creditor, Invoice: r.Invoice, CPF: cpf, Phones: phones,
		Debtor: map[string]string{storage.DebtorAttrName: r.DebtorName, storage.DebtorAttrBirth: birth, storage.DebtorAttrEmail: r.Email,
			storage.DebtorAttrLang: strings.ToLower(r.Language), storage.DebtorAttrTZ: r.TimeZone, storage.DebtorAttrChannel: r.Channel,
			storage.DebtorAttrVIP: vip, storage.DebtorAttrDelays: r.Delays, storage.DebtorAttrAddress: storage.PackAddress(addr)},
		Debt: map[string]string{storage.DebtAttrDesc: r.Description, storage.DebtAttrAmount: strconv.FormatInt(cents, 10),
			storage.DebtAttrDue: due, storage.DebtAttrPurchase: purchase, storage.DebtAttrMethod: r.PaymentMethod,
			storage.DebtAttrNossoNumero: r.NossoNumero},
	}}
	return v, nil
}

// postalAddress is the row's address, nil when it has none; a partial one
// is reported field by field (a bank refuses a boleto without street,
// CEP, city and UF: FEBRABAN CNAB 240 motives 47, 48, 52).
func postalAddress(r Row, bad func(f, msg string, a ...any)) *dialogs.PostalAddress {
	if r.Address == "" && r.District == "" && r.CEP == "" && r.City == "" && r.State == "" {
		return nil
	}
	a := &dialogs.PostalAddress{Street: r.Address, District: r.District, City: r.City, State: strings.ToUpper(r.State)}
	ok := true
	if r.Address == "" {
		bad("address", "required with the rest of the address (street, number)")
		ok = false
	}
	cep := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		if c == '-' || c == '.' || c == ' ' {
			return -1
		}
		return 'x'
	}, r.CEP)
	if len(cep) != 8 || strings.Contains(cep, "x") {
		bad("cep", "%q is not a CEP such as 01310-100", r.CEP)
		ok = false
	}
	a.CEP = cep
	if r.City == "" {
		bad("city", "required with the rest of the address")
		ok = false
	}
	if !brazilianStates[a.State] {
		bad("state", "%q is not a UF such as SP", r.State)
		ok = false
	}
	if !ok {
		return nil
	}
	return a
}

var brazilianStates = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO") {
		m[s] = true
	}
	return m
}()

// columnOrder is a field's index in Columns (after them for another).
func columnOrder(f string) int {
	if i := slices.Index(Columns, f); i >= 0 {
		return i
	}
	return len(Columns)
}

// ParseAmount reads reais as people write them: 1234.56, 1.234,56, 359,90, R$ 10.
func ParseAmount(s string) (int64, error) {
	t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "R$"))
	t = strings.ReplaceAll(t, " ", "")
	if t == "" {
		return 0, fmt.Errorf("empty amount")
	}
	lastComma, lastDot := strings.LastIndex(t, ","), strings.LastIndex(t, ".")
	switch {
	case lastComma > lastDot: // 1.234,56
		t = strings.ReplaceAll(t, ".", "")
		t = strings.Replace(t, ",", ".", 1)
	case lastDot > lastComma && lastComma >= 0: // 1,234.56
		t = strings.ReplaceAll(t, ",", "")
	}
	whole, frac, _ := strings.Cut(t, ".")
	if whole == "" || len(frac) > 2 || !digitsOnly(whole) || !digitsOnly(frac) || len(whole) > 12 {
		return 0, fmt.Errorf("%q is not an amount such as 1234.56 or 1.234,56", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: the amount must be more than zero", s)
	}
	return n, nil
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ParseDate reads YYYY-MM-DD or DD/MM/YYYY into YYYY-MM-DD.
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	for _, layout := range []string{time.DateOnly, "02/01/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1900 || t.Year() > 2100 {
				break
			}
			return t.Format(time.DateOnly), nil
		}
	}
	return "", fmt.Errorf("%q is not a date such as 2026-11-30 or 30/11/2026", s)
}
