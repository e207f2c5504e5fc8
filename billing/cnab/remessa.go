package cnab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Beneficiary is the creditor as its bank knows it: the account boletos
// are registered on and the cobrança contract (convênio, carteira).
type Beneficiary struct {
	Name         string // razão social
	Document     string // CNPJ (or CPF), digits or formatted
	Agency       string // agência, without its digit
	AgencyDigit  string // DV da agência ("X" allowed)
	Account      string // conta corrente, without its digit
	AccountDigit string // DV da conta ("X" allowed)
	Convenio     string // convênio de cobrança
	Carteira     string // carteira (e.g. 17)
	Variacao     string // variação da carteira (e.g. 019)
}

// Payer is the debtor a title is drawn on, with the postal address the
// bank requires (FEBRABAN C047 motives 45–52 reject a title without it).
type Payer struct {
	Name     string
	Document string // CPF (11 digits) or CNPJ (14), digits or formatted
	Address  string // street, number, complement
	District string // bairro
	CEP      string // 8 digits, formatted or not
	City     string
	State    string // UF, two letters
}

// Remessa movement codes (C004) quita sends.
const (
	MovRemessaEntry    = "01" // entrada de títulos
	MovRemessaWriteOff = "02" // pedido de baixa: a superseded boleto the bank must stop accepting
)

// Title is one boleto to register (segments P, Q and, for a fine, R), or
// to write off (Movement MovRemessaWriteOff: segments P and Q).
type Title struct {
	Movement string // C004: MovRemessaEntry (the default) or MovRemessaWriteOff
	// NossoNumero is the bank's identification of the title, exactly as
	// the boleto prints it (Banco do Brasil, 7-digit convênio: convênio
	// followed by a 10-digit sequence).
	NossoNumero string
	Document    string // número do documento as printed (the invoice), at most 15 characters
	CompanyRef  string // the creditor's own reference, returned in 21.3T; at most 25 characters
	IssuedOn    time.Time
	DueDate     time.Time
	AmountCents int64 // valor nominal
	// DiscountCents is off the amount when paid on or before DueDate
	// (desconto 1, código 1 "valor fixo até a data informada").
	DiscountCents   int64
	FinePercent     float64 // multa after DueDate, % (segment R, código 2)
	MonthlyInterest float64 // juros de mora, % a month (código 2 "taxa mensal")
	Payer           Payer
}

// Remessa is one file registering titles at a bank (código de movimento
// 01, entrada de títulos), in one lot.
type Remessa struct {
	Bank        Bank
	Beneficiary Beneficiary
	Sequence    int       // número sequencial do arquivo (NSA, G018) and remessa number (G079)
	GeneratedAt time.Time // in the creditor's time zone
	Titles      []Title
}

// Summary says what a remessa holds.
type Summary struct {
	Titles     int   `json:"titles"`
	TotalCents int64 `json:"total_cents"`
	Records    int   `json:"records"` // lines, headers and trailers included
}

// crlf ends every record: FEBRABAN files are line-oriented text with CR LF.
const crlf = "\r\n"

// Write validates every field of the remessa and writes it to w: file
// header, batch header, segments P, Q (and R) per title, batch trailer and
// file trailer, each 240 characters and CRLF. Nothing is written when any
// field is wrong; the error lists each one with its line and field.
func (r Remessa) Write(w io.Writer) (Summary, error) {
	var sum Summary
	if r.Bank.Code == "" {
		return sum, errors.New("cnab remessa: no bank variant (use cnab.BankFor)")
	}
	if len(r.Titles) == 0 {
		return sum, errors.New("cnab remessa: no titles to register")
	}
	if r.Sequence <= 0 || r.Sequence > 999999 {
		return sum, fmt.Errorf("cnab remessa: sequence %d out of range 1-999999", r.Sequence)
	}
	conv, err := r.Bank.convenio(r.Beneficiary)
	if err != nil {
		return sum, fmt.Errorf("cnab remessa: %w", err)
	}
	var recs []*record
	add := func(rec *record) { recs = append(recs, rec) }
	add(r.fileHeader(1, conv))
	add(r.batchHeader(2, conv))
	seq := 0
	for _, t := range r.Titles {
		for _, seg := range r.segments(len(recs)+1, &seq, t) {
			add(seg)
		}
		sum.Titles++
		sum.TotalCents += t.AmountCents
	}
	add(r.batchTrailer(len(recs)+1, len(recs), sum))
	add(r.fileTrailer(len(recs)+1, len(recs)+1))
	var errs []error
	var buf bytes.Buffer
	for _, rec := range recs {
		errs = append(errs, rec.errs...)
		buf.Write(rec.buf[:])
		buf.WriteString(crlf)
	}
	if len(errs) > 0 {
		return Summary{}, fmt.Errorf("cnab remessa: %d field(s) wrong, nothing written:\n%w", len(errs), errors.Join(errs...))
	}
	sum.Records = len(recs)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return Summary{}, fmt.Errorf("cnab remessa: write: %w", err)
	}
	return sum, nil
}

// CheckTitle validates one title as Write would, so that a caller can hold
// back the titles a bank would refuse and send the rest. Errors name the
// field; their line is 0 (the title has no place in a file yet).
func CheckTitle(b Bank, ben Beneficiary, t Title) error {
	r := Remessa{Bank: b, Beneficiary: ben}
	seq := 0
	var errs []error
	for _, rec := range r.segments(0, &seq, t) {
		errs = append(errs, rec.errs...)
	}
	return errors.Join(errs...)
}

// CheckBeneficiary validates the creditor's account and contract as the
// file and batch headers and segment P carry them, so that a configuration
// check says what a remessa would refuse before one is written.
func CheckBeneficiary(b Bank, ben Beneficiary) error {
	r := Remessa{Bank: b, Beneficiary: ben}
	conv, err := b.convenio(ben)
	if err != nil {
		return err
	}
	errs := append(r.fileHeader(0, conv).errs, r.batchHeader(0, conv).errs...)
	if _, err := b.carteiraCode(ben); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(ben.AgencyDigit) == "" || strings.TrimSpace(ben.AccountDigit) == "" {
		errs = append(errs, errors.New("the agency's and the account's check digits are required (boleto: agency_digit, account_digit)"))
	}
	return errors.Join(errs...)
}

// inscription is the G005 type (1 CPF, 2 CNPJ) and digits of a document.
func inscription(doc string) (string, string, bool) {
	d := digitsOf(doc)
	switch len(d) {
	case 11:
		return "1", d, true
	case 14:
		return "2", d, true
	}
	return "", d, false
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// account fills the five agency/account fields the header records share.
func (r Remessa) account(rec *record, ag, agDV, acct, acctDV, agAcctDV field) {
	b := r.Beneficiary
	rec.put(ag, digitsOf(b.Agency))
	if digitsOf(b.Agency) == "" {
		rec.fail(ag, "the agency is missing (boleto: agency)")
	}
	rec.put(agDV, b.AgencyDigit)
	rec.put(acct, digitsOf(b.Account))
	if digitsOf(b.Account) == "" {
		rec.fail(acct, "the account is missing (boleto: account)")
	}
	rec.put(acctDV, b.AccountDigit)
	rec.put(agAcctDV, "") // G012: not used by Banco do Brasil (blank)
}

func (r Remessa) control(line int, lot string, typ string) *record {
	rec := newRecord(line)
	rec.put(ctlBank, r.Bank.Code)
	rec.put(ctlLot, lot)
	rec.put(ctlRecord, typ)
	return rec
}

func (r Remessa) fileHeader(line int, conv string) *record {
	rec := r.control(line, "0000", "0")
	typ, doc, ok := inscription(r.Beneficiary.Document)
	if !ok {
		rec.fail(fh06InscNumber, "the creditor's CNPJ/CPF %q must have 14 or 11 digits", r.Beneficiary.Document)
	}
	rec.put(fh05InscType, typ)
	rec.put(fh06InscNumber, doc)
	rec.put(fh07Convenio, conv)
	r.account(rec, fh08Agency, fh09AgencyDV, fh10Account, fh11AccountDV, fh12AgAcctDV)
	rec.put(fh13Name, r.Beneficiary.Name)
	rec.put(fh14BankName, r.Bank.Name)
	rec.put(fh16Code, "1") // G015: 1 remessa
	rec.putDate(fh17Date, r.GeneratedAt)
	rec.put(fh18Time, r.GeneratedAt.Format("150405"))
	rec.putInt(fh19Sequence, int64(r.Sequence))
	rec.put(fh20Version, r.Bank.FileVersion)
	rec.put(fh21Density, "0") // G020: not used
	return rec
}

func (r Remessa) batchHeader(line int, conv string) *record {
	rec := r.control(line, "0001", "1")
	rec.put(bh04Operation, "R") // G028: arquivo remessa
	rec.put(bh05Service, "01")  // G025: cobrança
	rec.put(bh07Version, r.Bank.BatchVersion)
	typ, doc, _ := inscription(r.Beneficiary.Document)
	rec.put(bh09InscType, typ)
	rec.put(bh10InscNumber, doc)
	rec.put(bh11Convenio, conv)
	r.account(rec, bh12Agency, bh13AgencyDV, bh14Account, bh15AccountDV, bh16AgAcctDV)
	rec.put(bh17Name, r.Beneficiary.Name)
	rec.putInt(bh20Number, int64(r.Sequence))
	rec.putDate(bh21Date, r.GeneratedAt)
	rec.put(bh22CreditDate, "0")
	return rec
}

// segments are the detail records of one title: P, Q and, when it has a
// fine, R. seq is the lot's G038 counter (starts at 1, one per record).
func (r Remessa) segments(line int, seq *int, t Title) []*record {
	mov := t.Movement
	if mov == "" {
		mov = MovRemessaEntry
	}
	detail := func(seg string) *record {
		*seq++
		rec := r.control(line, "0001", "3")
		if mov != MovRemessaEntry && mov != MovRemessaWriteOff {
			rec.fail(dMovement, "%q: quita sends entries (01) and write-offs (02) only", mov)
		}
		if line > 0 {
			line++
		}
		rec.putInt(dSequence, int64(*seq))
		rec.put(dSegment, seg)
		rec.put(dMovement, mov) // C004, repeated in each segment of the title
		return rec
	}
	out := []*record{r.segmentP(detail("P"), t), r.segmentQ(detail("Q"), t)}
	if mov == MovRemessaEntry && t.FinePercent > 0 {
		out = append(out, r.segmentR(detail("R"), t))
	}
	return out
}

func (r Remessa) segmentP(rec *record, t Title) *record {
	b := r.Beneficiary
	rec.put(p08Agency, digitsOf(b.Agency))
	rec.put(p09AgencyDV, b.AgencyDigit)
	rec.put(p10Account, digitsOf(b.Account))
	rec.put(p11AccountDV, b.AccountDigit)
	rec.put(p12AgAcctDV, "")
	nn, err := r.Bank.nossoNumero(b, t.NossoNumero)
	if err != nil {
		rec.fail(p13NossoNumero, "%v", err)
	}
	rec.put(p13NossoNumero, nn)
	cart, err := r.Bank.carteiraCode(b)
	if err != nil {
		rec.fail(p14Carteira, "%v", err)
	}
	rec.put(p14Carteira, cart)
	rec.put(p15Registration, "1") // C007: com cadastramento (cobrança registrada)
	rec.put(p16DocType, "1")      // C008: tradicional
	rec.put(p17Issuer, "2")       // C009: cliente emite (quita computes and sends the boleto)
	rec.put(p18Distribution, "2") // C010: cliente distribui
	rec.put(p19Document, t.Document)
	if strings.TrimSpace(t.Document) == "" {
		rec.fail(p19Document, "the número do documento is missing (the invoice printed on the boleto)")
	}
	if t.DueDate.IsZero() {
		rec.fail(p20Due, "the due date is required (C012)")
	}
	rec.putDate(p20Due, t.DueDate)
	if t.AmountCents <= 0 {
		rec.fail(p21Amount, "the amount must be positive, got %d cents", t.AmountCents)
	}
	rec.putInt(p21Amount, t.AmountCents)
	rec.put(p22CollAgency, "0") // C014: the bank picks it by the payer's CEP
	rec.put(p23CollAgencyDV, "")
	rec.put(p24Kind, "02")    // C015: DM, duplicata mercantil, as the PDF prints "Espécie doc."
	rec.put(p25Accepted, "N") // C016: não aceite
	if t.IssuedOn.IsZero() || (!t.DueDate.IsZero() && dateOnly(t.IssuedOn).After(dateOnly(t.DueDate))) {
		rec.fail(p26Issued, "the issue date %s must be set and not after the due date %s", t.IssuedOn.Format(time.DateOnly), t.DueDate.Format(time.DateOnly))
	}
	rec.putDate(p26Issued, t.IssuedOn)
	if t.MonthlyInterest > 0 {
		rec.put(p27InterestCode, "2") // C018: taxa mensal
		rec.putDate(p28InterestDate, dateOnly(t.DueDate).AddDate(0, 0, 1))
		rec.putPercent(p29Interest, t.MonthlyInterest)
	} else {
		rec.put(p27InterestCode, "3") // C018: isento
		rec.put(p28InterestDate, "0")
		rec.put(p29Interest, "0")
	}
	if t.DiscountCents > 0 {
		if t.DiscountCents >= t.AmountCents {
			rec.fail(p32Discount, "the discount %d is not less than the amount %d (C047 motive 29)", t.DiscountCents, t.AmountCents)
		}
		rec.put(p30DiscountCode, "1") // C021: valor fixo até a data informada
		rec.putDate(p31DiscountDate, t.DueDate)
		rec.putInt(p32Discount, t.DiscountCents)
	} else {
		rec.put(p30DiscountCode, "0")
		rec.put(p31DiscountDate, "0")
		rec.put(p32Discount, "0")
	}
	rec.put(p33IOF, "0")
	rec.put(p34Abatement, "0")
	rec.put(p35CompanyRef, t.CompanyRef)
	rec.put(p36ProtestCode, "3") // C026: não protestar
	rec.put(p37ProtestDays, "0")
	rec.put(p38WriteOffCode, "0") // BB: not used, the carteira's registered rule applies
	rec.put(p39WriteOffDays, "000")
	rec.put(p40Currency, "09") // G065: real
	rec.put(p41Contract, "0")
	rec.put(p42PartialPolicy, "")
	return rec
}

func (r Remessa) segmentQ(rec *record, t Title) *record {
	p := t.Payer
	typ, doc, ok := inscription(p.Document)
	if !ok {
		rec.fail(q09InscNumber, "the payer's CPF/CNPJ %q must have 11 or 14 digits (C047 motive 46)", p.Document)
	}
	rec.put(q08InscType, typ)
	rec.put(q09InscNumber, doc)
	if strings.TrimSpace(p.Name) == "" {
		rec.fail(q10Name, "the payer's name is missing (C047 motive 45)")
	}
	rec.put(q10Name, p.Name)
	if strings.TrimSpace(p.Address) == "" {
		rec.fail(q11Address, "the payer's address is missing (C047 motive 47): the bank refuses a title without it")
	}
	rec.put(q11Address, p.Address)
	rec.put(q12District, p.District)
	cep := digitsOf(p.CEP)
	if len(cep) != 8 {
		rec.fail(q13CEP, "the payer's CEP %q must have 8 digits (C047 motive 48)", p.CEP)
		cep = "00000000"
	}
	rec.put(q13CEP, cep[:5])
	rec.put(q14CEPSuffix, cep[5:])
	if strings.TrimSpace(p.City) == "" {
		rec.fail(q15City, "the payer's city is missing")
	}
	rec.put(q15City, p.City)
	uf := strings.ToUpper(strings.TrimSpace(p.State))
	if !states[uf] {
		rec.fail(q16State, "%q is not a Brazilian UF (C047 motive 52)", p.State)
		uf = ""
	}
	rec.put(q16State, uf)
	rec.put(q17GuarType, "0") // no sacador/avalista: the creditor is the original beneficiary
	rec.put(q18GuarNumber, "0")
	rec.put(q19GuarName, "")
	rec.put(q20CorrBank, "0")
	rec.put(q21CorrNossoNr, "")
	return rec
}

func (r Remessa) segmentR(rec *record, t Title) *record {
	for _, f := range []field{r08Discount2Code, r09Discount2Date, r10Discount2, r11Discount3Code, r12Discount3Date, r13Discount3} {
		rec.put(f, "0")
	}
	if t.FinePercent > 2 {
		rec.fail(r16Fine, "a fine of %v%% is over the 2%% cap (CDC art. 52 §1)", t.FinePercent)
	}
	rec.put(r14FineCode, "2") // G073: percentual
	// BB accepts the due date or the day after; the day after is when the fine is owed.
	rec.putDate(r15FineDate, dateOnly(t.DueDate).AddDate(0, 0, 1))
	rec.putPercent(r16Fine, t.FinePercent)
	for _, f := range []field{r21PayerOccur, r22DebitBank, r23DebitAgency, r25DebitAccount, r28DebitNotice} {
		rec.put(f, "0")
	}
	return rec
}

func (r Remessa) batchTrailer(line, records int, sum Summary) *record {
	rec := r.control(line, "0001", "5")
	rec.putInt(bt05Records, int64(records)) // G057: batch header, details and this trailer (all written so far but the file header, plus this one)
	rec.putInt(bt06SimpleCount, int64(sum.Titles))
	rec.putInt(bt07SimpleTotal, sum.TotalCents)
	for _, f := range []field{bt08LinkedCount, bt09LinkedTotal, bt10PledgedCount, bt11PledgedTotal, bt12DiscCount, bt13DiscTotal} {
		rec.put(f, "0")
	}
	return rec
}

func (r Remessa) fileTrailer(line, records int) *record {
	rec := r.control(line, "9999", "9")
	rec.put(ft05Lots, "1")
	rec.putInt(ft06Records, int64(records))
	rec.put(ft07Concil, "0")
	return rec
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// states are the 27 UFs (IBGE).
var states = map[string]bool{}

func init() {
	for _, s := range strings.Fields("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO") {
		states[s] = true
	}
}
