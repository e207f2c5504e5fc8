package payments

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// BoletoDocument is everything printed on a boleto besides its numbers.
type BoletoDocument struct {
	Boleto         Boleto
	Beneficiary    Account // name, CNPJ and address are printed (CDC art. 42-A)
	PayerName      string
	PayerCPF       string // printed masked, ***.456.789-**
	PayerAddress   string
	DocumentNumber string    // número do documento (invoice)
	DocumentDate   time.Time // data do documento
	ProcessingDate time.Time // data do processamento; also the PDF's creation date
	PaymentPlace   string    // "local de pagamento"; a default when empty
	Instructions   []string  // to the cashier and the payer, one per line (up to 6)
}

// BoletoPDF renders a boleto on one A4 page: the payer's receipt (recibo do
// pagador) and the ficha de compensação with the linha digitável and the
// Interleaved 2 of 5 barcode at 103 mm × 13 mm. Page content is left
// uncompressed (the page is small) so the numbers are searchable text.
func BoletoPDF(doc BoletoDocument) ([]byte, error) {
	b := doc.Boleto
	if len(b.Barcode) != barcodeLen {
		return nil, fmt.Errorf("boleto pdf: the boleto has no barcode")
	}
	bank, ok := banks[b.Bank]
	if !ok {
		return nil, fmt.Errorf("boleto pdf: bank %q is not supported", b.Bank)
	}
	img, err := BarcodeImage(b.Barcode, pdfModulePx, pdfHeightPx)
	if err != nil {
		return nil, err
	}
	var imgPNG bytes.Buffer
	if err := png.Encode(&imgPNG, img); err != nil {
		return nil, fmt.Errorf("boleto pdf: %w", err)
	}

	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(dateOf(doc.ProcessingDate))
	pdf.SetModificationDate(dateOf(doc.ProcessingDate))
	pdf.SetTitle("Boleto "+b.NossoNumero, true)
	pdf.SetSubject(b.Linha, true)
	pdf.SetCreator("quita", true)
	pdf.SetMargins(10, 10, 10)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	w := &boletoWriter{pdf: pdf, tr: pdf.UnicodeTranslatorFromDescriptor("")}

	place := doc.PaymentPlace
	if place == "" {
		place = "Pagável em qualquer banco até o vencimento"
	}
	benef := strings.TrimSpace(doc.Beneficiary.BeneficiaryName)
	if c := FormatCNPJ(doc.Beneficiary.CNPJ); c != "" {
		benef += " — CNPJ " + c
	}
	payer := strings.TrimSpace(doc.PayerName)
	if c := MaskCPF(doc.PayerCPF); c != "" {
		payer += " — CPF " + c
	}
	due := "Contra apresentação"
	if !b.DueDate.IsZero() {
		due = b.DueDate.Format("02/01/2006")
	}
	amount := ""
	if b.AmountCents > 0 {
		amount = FormatBRL(b.AmountCents)
	}
	bankCode := bank.Code + "-" + bank.Digit
	const x0, full = 10.0, 190.0
	const right = 50.0 // the right-hand column of values
	left := full - right

	// Recibo do pagador.
	y := 10.0
	w.header(x0, y, bank.Name, bankCode, "Recibo do Pagador", false)
	y += 10
	w.box(x0, y, left, 11, "Beneficiário", benef, doc.Beneficiary.Address)
	w.box(x0+left, y, right, 11, "Vencimento", due, "")
	y += 11
	w.box(x0, y, left, 9, "Pagador", payer, "")
	w.box(x0+left, y, right, 9, "Agência / Código do beneficiário", b.AgencyCode, "")
	y += 9
	w.box(x0, y, 45, 9, "Nº do documento", doc.DocumentNumber, "")
	w.box(x0+45, y, 45, 9, "Data do documento", fmtDate(doc.DocumentDate), "")
	w.box(x0+90, y, left-90, 9, "Nosso número", b.NossoNumero, "")
	w.box(x0+left, y, right, 9, "(=) Valor do documento", amount, "")
	y += 9
	w.small(x0, y+1, full, "Autenticação mecânica")
	y += 18
	w.cutLine(x0, y, full)

	// Ficha de compensação.
	y += 6
	w.header(x0, y, bank.Name, bankCode, b.Linha, true)
	y += 10
	w.box(x0, y, left, 9, "Local de pagamento", place, "")
	w.box(x0+left, y, right, 9, "Vencimento", due, "")
	y += 9
	w.box(x0, y, left, 11, "Beneficiário", benef, doc.Beneficiary.Address)
	w.box(x0+left, y, right, 11, "Agência / Código do beneficiário", b.AgencyCode, "")
	y += 11
	cols := []struct {
		w     float64
		label string
		value string
	}{
		{28, "Data do documento", fmtDate(doc.DocumentDate)},
		{36, "Nº do documento", doc.DocumentNumber},
		{20, "Espécie doc.", "DM"},
		{12, "Aceite", "N"},
		{left - 96, "Data do processamento", fmtDate(doc.ProcessingDate)},
	}
	x := x0
	for _, c := range cols {
		w.box(x, y, c.w, 9, c.label, c.value, "")
		x += c.w
	}
	w.box(x0+left, y, right, 9, "Nosso número", b.NossoNumero, "")
	y += 9
	cols = []struct {
		w     float64
		label string
		value string
	}{
		{28, "Uso do banco", ""},
		{20, "Carteira", doc.Beneficiary.Carteira},
		{16, "Espécie", "R$"},
		{32, "Quantidade", ""},
		{left - 96, "Valor", ""},
	}
	x = x0
	for _, c := range cols {
		w.box(x, y, c.w, 9, c.label, c.value, "")
		x += c.w
	}
	w.box(x0+left, y, right, 9, "(=) Valor do documento", amount, "")
	y += 9
	w.instructions(x0, y, left, 45, doc.Instructions)
	for i, label := range []string{"(-) Desconto / Abatimento", "(-) Outras deduções", "(+) Mora / Multa", "(+) Outros acréscimos", "(=) Valor cobrado"} {
		w.box(x0+left, y+float64(i)*9, right, 9, label, "", "")
	}
	y += 45
	w.box(x0, y, full, 14, "Pagador", payer, doc.PayerAddress)
	y += 14
	w.small(x0+full-70, y+1, 70, "Autenticação mecânica — Ficha de Compensação")
	y += 5

	pdf.RegisterImageOptionsReader("barcode", fpdf.ImageOptions{ImageType: "PNG"}, &imgPNG)
	pdf.ImageOptions("barcode", x0+2, y, BarcodeWidthMM, BarcodeHeightMM, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")

	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("boleto pdf: %w", err)
	}
	return out.Bytes(), nil
}

// boletoWriter draws the labelled boxes of a boleto.
type boletoWriter struct {
	pdf *fpdf.Fpdf
	tr  func(string) string // UTF-8 to the core fonts' cp1252
}

func (w *boletoWriter) header(x, y float64, bankName, code, right string, linha bool) {
	p := w.pdf
	p.SetLineWidth(0.6)
	p.Line(x, y+10, x+190, y+10)
	p.SetLineWidth(0.2)
	p.SetFont("Helvetica", "B", 12)
	p.SetXY(x, y+2)
	p.CellFormat(50, 8, w.tr(bankName), "", 0, "L", false, 0, "")
	p.SetFont("Helvetica", "B", 16)
	p.CellFormat(22, 8, code, "LR", 0, "C", false, 0, "")
	if linha {
		p.SetFont("Helvetica", "B", 11.5)
	} else {
		p.SetFont("Helvetica", "B", 10)
	}
	p.CellFormat(118, 8, w.tr(right), "", 0, "R", false, 0, "")
}

// box is a bordered cell with a small label and a value (and an optional
// second line).
func (w *boletoWriter) box(x, y, width, h float64, label, value, second string) {
	p := w.pdf
	p.Rect(x, y, width, h, "D")
	p.SetFont("Helvetica", "", 6)
	p.SetXY(x+1, y+0.5)
	p.CellFormat(width-2, 3, w.tr(label), "", 0, "L", false, 0, "")
	p.SetFont("Helvetica", "B", 9)
	p.SetXY(x+1, y+3.5)
	p.CellFormat(width-2, 4, w.fit(value, width-2), "", 0, "L", false, 0, "")
	if second != "" {
		p.SetFont("Helvetica", "", 7.5)
		p.SetXY(x+1, y+7.3)
		p.CellFormat(width-2, 3.5, w.fit(second, width-2), "", 0, "L", false, 0, "")
	}
}

func (w *boletoWriter) instructions(x, y, width, h float64, lines []string) {
	p := w.pdf
	p.Rect(x, y, width, h, "D")
	p.SetFont("Helvetica", "", 6)
	p.SetXY(x+1, y+0.5)
	p.CellFormat(width-2, 3, w.tr("Instruções (texto de responsabilidade do beneficiário)"), "", 0, "L", false, 0, "")
	p.SetFont("Helvetica", "", 8.5)
	for i, l := range lines {
		if i == 6 {
			break
		}
		p.SetXY(x+1, y+5+float64(i)*5)
		p.CellFormat(width-2, 4.5, w.fit(l, width-2), "", 0, "L", false, 0, "")
	}
}

func (w *boletoWriter) small(x, y, width float64, s string) {
	w.pdf.SetFont("Helvetica", "", 6.5)
	w.pdf.SetXY(x, y)
	w.pdf.CellFormat(width, 3, w.tr(s), "", 0, "R", false, 0, "")
}

func (w *boletoWriter) cutLine(x, y, width float64) {
	p := w.pdf
	p.SetDashPattern([]float64{1, 1}, 0)
	p.Line(x, y, x+width, y)
	p.SetDashPattern([]float64{}, 0)
	p.SetFont("Helvetica", "", 6)
	p.SetXY(x, y+0.5)
	p.CellFormat(width, 3, w.tr("Corte na linha pontilhada"), "", 0, "R", false, 0, "")
}

// fit translates s and shortens it with "…" to fit width at the current font.
func (w *boletoWriter) fit(s string, width float64) string {
	t := w.tr(s)
	if w.pdf.GetStringWidth(t) <= width {
		return t
	}
	r := []rune(s)
	for len(r) > 0 && w.pdf.GetStringWidth(w.tr(string(r)+"...")) > width {
		r = r[:len(r)-1]
	}
	return w.tr(string(r) + "...")
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02/01/2006")
}

// MaskCPF hides the first three and the last two digits of a CPF, the mask
// used by the federal government for published CPFs: 123.456.789-09 →
// ***.456.789-**. Anything that is not 11 digits is masked whole.
func MaskCPF(cpf string) string {
	d := onlyDigits(cpf)
	if cpf == "" {
		return ""
	}
	if len(d) != 11 {
		return "***"
	}
	return "***." + d[3:6] + "." + d[6:9] + "-**"
}

// FormatCNPJ writes 14 digits as 12.345.678/0001-95; anything else is
// returned trimmed, as given.
func FormatCNPJ(cnpj string) string {
	d := onlyDigits(cnpj)
	if len(d) != 14 {
		return strings.TrimSpace(cnpj)
	}
	return d[0:2] + "." + d[2:5] + "." + d[5:8] + "/" + d[8:12] + "-" + d[12:14]
}
