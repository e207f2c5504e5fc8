package portfolio

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Exporter writes the status sheet: one row per debt with the columns an
// import reads (Portuguese headers, Brazilian formats) and the state quita
// keeps: situação, último contato, próximo lembrete. The file imports
// again as it is, and an import of it changes nothing: the state columns
// are not read back.
type Exporter struct {
	Store *storage.Store
	// DefaultZone shows times of debtors without a zone (default America/Sao_Paulo).
	DefaultZone string
}

// ExportHeader is the header of an export: each column's Portuguese name.
func ExportHeader() []string {
	var h []string
	for _, c := range append(slices.Clone(Columns), StatusColumns...) {
		h = append(h, Aliases[c][0])
	}
	return h
}

// Write writes every debt (of creditor; "" for all) in format and returns
// how many it wrote.
func (x *Exporter) Write(ctx context.Context, w io.Writer, format, creditor string) (int, error) {
	entries := x.Store.Portfolio(ctx, storage.PortfolioQuery{Creditor: creditor, OptOutChannels: optOutChannels})
	switch format {
	case FormatCSV:
		return x.writeCSV(entries, w)
	case FormatXLSX:
		return x.writeXLSX(entries, w)
	}
	return 0, fmt.Errorf("format %q: use csv or xlsx", format)
}

// writeCSV writes what Excel in Brazil opens as is: UTF-8 with a BOM (or
// it reads Windows-1252), semicolons, CRLF.
func (x *Exporter) writeCSV(entries iter.Seq2[storage.PortfolioEntry, error], w io.Writer) (int, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = ';', true
	if err := cw.Write(ExportHeader()); err != nil {
		return 0, err
	}
	n := 0
	for e, err := range entries {
		if err != nil {
			return n, err
		}
		c := x.cells(e)
		rec := make([]string, 0, len(c.text)+3)
		rec = append(rec, c.text...)
		rec = append(rec, c.state, formatTime(c.lastContact), formatTime(c.next))
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	cw.Flush()
	return n, cw.Error()
}

// writeXLSX writes a workbook whose cells have their types: amounts and
// dates are numbers Excel computes with, CPFs, phones and invoices text
// cells formatted as text ("@"), so that editing them keeps their zeros.
func (x *Exporter) writeXLSX(entries iter.Seq2[storage.PortfolioEntry, error], w io.Writer) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Devedores"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	style := func(s *excelize.Style) int {
		id, serr := f.NewStyle(s)
		if serr != nil && err == nil {
			err = serr
		}
		return id
	}
	dateFmt, timeFmt := "dd/mm/yyyy", "dd/mm/yyyy hh:mm"
	bold := style(&excelize.Style{Font: &excelize.Font{Bold: true}})
	text := style(&excelize.Style{NumFmt: 49}) // "@"
	money := style(&excelize.Style{NumFmt: 4}) // "#,##0.00"
	date := style(&excelize.Style{CustomNumFmt: &dateFmt})
	stamp := style(&excelize.Style{CustomNumFmt: &timeFmt})
	if err != nil {
		return 0, err
	}
	header := ExportHeader()
	for i, width := range exportWidths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return 0, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return 0, err
	}
	row := make([]any, len(header))
	for i, h := range header {
		row[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", row); err != nil {
		return 0, err
	}
	n := 0
	for e, err := range entries {
		if err != nil {
			return n, err
		}
		c := x.cells(e)
		for i, v := range c.text {
			row[i] = nil
			if v != "" {
				row[i] = excelize.Cell{StyleID: text, Value: v}
			}
		}
		row[colAmount] = excelize.Cell{StyleID: money, Value: float64(e.Debt.AmountCents) / 100}
		for _, i := range []int{colDue, colPurchase, colBirth} {
			if t, ok := wallDate(c.iso[i]); ok {
				row[i] = excelize.Cell{StyleID: date, Value: t}
			}
		}
		if e.Debtor.Delays > 0 {
			row[colDelays] = e.Debtor.Delays
		}
		base := len(Columns)
		row[base] = c.state
		row[base+1], row[base+2] = nil, nil
		if !c.lastContact.IsZero() {
			row[base+1] = excelize.Cell{StyleID: stamp, Value: wall(c.lastContact)}
		}
		if !c.next.IsZero() {
			row[base+2] = excelize.Cell{StyleID: stamp, Value: wall(c.next)}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, row); err != nil {
			return n, err
		}
		n++
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	return n, f.Write(w)
}

// exportWidths are the columns' widths in characters.
var exportWidths = []float64{14, 28, 16, 20, 20, 26, 10, 8, 20, 14, 28, 12, 12, 14, 18, 14, 12, 6, 8, 34, 18, 10, 20, 4, 30, 17, 17}

var (
	colAmount   = slices.Index(Columns, "amount")
	colDue      = slices.Index(Columns, "due_date")
	colPurchase = slices.Index(Columns, "purchase_date")
	colBirth    = slices.Index(Columns, "birth_date")
	colDelays   = slices.Index(Columns, "delays")
)

// exportCells are one debt's values: the import columns as text, their
// ISO dates, and its state.
type exportCells struct {
	text        []string // in the order of Columns
	iso         map[int]string
	state       string
	lastContact time.Time // in the debtor's zone
	next        time.Time
}

func (x *Exporter) cells(e storage.PortfolioEntry) exportCells {
	d, p := e.Debt, e.Debtor
	phone := func(i int) string {
		if i < len(p.Phones) {
			return formatPhone(p.Phones[i])
		}
		return ""
	}
	c := exportCells{
		text: []string{d.CreditorID, p.Name, formatCPF(p.CPF), phone(0), phone(1), p.Email, p.Channel, p.Language, p.TimeZone,
			d.Invoice, d.Description, formatAmount(d.AmountCents), formatDate(d.DueDate), formatDate(d.PurchaseDate), d.PaymentMethod,
			e.NossoNumero, formatDate(p.BirthDate), formatVIP(p.VIP), formatCount(p.Delays)},
		iso:   map[int]string{colDue: d.DueDate, colPurchase: d.PurchaseDate, colBirth: p.BirthDate},
		state: stateOf(e, x.zone(p.TimeZone)),
	}
	if a := p.Address; a != nil {
		cep := a.CEP
		if len(cep) == 8 {
			cep = cep[:5] + "-" + cep[5:]
		}
		c.text = append(c.text, a.Street, a.District, cep, a.City, a.State)
	} else {
		c.text = append(c.text, "", "", "", "", "")
	}
	loc := x.zone(p.TimeZone)
	c.lastContact = e.Reminder.LastAt
	if e.LastActivity.After(c.lastContact) {
		c.lastContact = e.LastActivity
	}
	if !c.lastContact.IsZero() {
		c.lastContact = c.lastContact.In(loc)
	}
	if !e.Next.IsZero() && e.Reminder.Stopped == "" {
		c.next = e.Next.In(loc)
	}
	return c
}

func (x *Exporter) zone(tz string) *time.Location {
	for _, name := range []string{tz, x.DefaultZone, "America/Sao_Paulo"} {
		if name == "" {
			continue
		}
		if l, err := dialogs.LoadZone(name); err == nil {
			return l
		}
	}
	return time.UTC
}

// stateOf is a debt's state in the words of the sheet: the debt's own
// status first (paid, agreement, dispute), then what stops reminders
// (opt-out, wrong number), then the conversation (a promise, a contact).
func stateOf(e storage.PortfolioEntry, loc *time.Location) string {
	rs := e.Reminder
	switch e.Debt.Status {
	case dialogs.DebtPaid:
		if rs.PaidAt.IsZero() {
			return "paga"
		}
		return "paga em " + rs.PaidAt.In(loc).Format("02/01/2006")
	case dialogs.DebtAgreement:
		if e.Agreement == nil {
			return "acordo"
		}
		paid := 0
		for _, in := range e.Agreement.Installments {
			if in.Paid {
				paid++
			}
		}
		return fmt.Sprintf("acordo: %d de %d parcelas pagas", paid, len(e.Agreement.Installments))
	case dialogs.DebtDisputed:
		return "contestada"
	case dialogs.DebtOpen, "":
	default:
		return e.Debt.Status
	}
	wrong := len(e.Debtor.Phones) > 0
	for _, p := range e.Debtor.Phones {
		wrong = wrong && slices.Contains(e.WrongNumbers, p)
	}
	switch {
	case rs.Stopped == dialogs.OutcomeOptOut || e.OptedOut:
		return "não quer receber mensagens (opt-out)"
	case rs.Stopped == "wrong_number" || wrong:
		return "número errado"
	case rs.PromiseDate != "":
		return "promessa para " + formatDate(rs.PromiseDate)
	case !rs.LastAt.IsZero() || !e.LastActivity.IsZero():
		return "contatado"
	}
	return "não contatado"
}

// formatTime writes a moment as 30/11/2026 14:05 (empty for none).
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02/01/2006 15:04")
}

// wall is t's wall clock as a UTC time: a spreadsheet's dates have no zone.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

func wallDate(iso string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, iso)
	return t, err == nil
}

// ParseFormat reads --format (or a file name's extension).
func ParseFormat(s string) (string, error) {
	switch s {
	case FormatCSV, FormatXLSX:
		return s, nil
	}
	return "", fmt.Errorf("format %q: use csv or xlsx", s)
}
