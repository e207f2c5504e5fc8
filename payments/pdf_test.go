package payments

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"os"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
)

// decodeI2of5 reads an Interleaved 2 of 5 symbol from one row of pixels:
// measure the runs of dark and light pixels, call each narrow or wide by the
// midpoint between the narrowest and widest bar, check the start (narrow bar,
// space, bar, space) and stop (wide bar, narrow space, narrow bar) patterns,
// and decode each pair of digits from five bars and the five spaces
// interleaved with them.
func decodeI2of5(img image.Image, y int) (string, error) {
	b := img.Bounds()
	var runs []int
	dark := func(x int) bool {
		r, g, bl, _ := img.At(x, y).RGBA()
		return (r+g+bl)/3 < 0x8000
	}
	x := b.Min.X
	for x < b.Max.X && !dark(x) {
		x++
	}
	end := b.Max.X
	for end > x && !dark(end-1) {
		end--
	}
	for x < end {
		start, d := x, dark(x)
		for x < end && dark(x) == d {
			x++
		}
		runs = append(runs, x-start)
	}
	if len(runs) < 7 {
		return "", errors.New("no barcode in this row")
	}
	lo, hi := runs[0], runs[0]
	for _, r := range runs {
		lo, hi = min(lo, r), max(hi, r)
	}
	thr := float64(lo+hi) / 2
	wide := make([]bool, len(runs))
	for i, r := range runs {
		wide[i] = float64(r) > thr
	}
	if wide[0] || wide[1] || wide[2] || wide[3] {
		return "", errors.New("bad start pattern")
	}
	n := len(runs)
	if !wide[n-3] || wide[n-2] || wide[n-1] {
		return "", errors.New("bad stop pattern")
	}
	body := wide[4 : n-3]
	if len(body)%10 != 0 {
		return "", fmt.Errorf("%d elements between start and stop, not pairs of 10", len(body))
	}
	patterns := map[[5]bool]byte{}
	for d, p := range []string{"nnwwn", "wnnnw", "nwnnw", "wwnnn", "nnwnw", "wnwnn", "nwwnn", "nnnww", "wnnwn", "nwnwn"} {
		var k [5]bool
		for i := range p {
			k[i] = p[i] == 'w'
		}
		patterns[k] = byte('0' + d)
	}
	var out []byte
	for i := 0; i < len(body); i += 10 {
		var bars, spaces [5]bool
		for j := range 5 {
			bars[j], spaces[j] = body[i+2*j], body[i+2*j+1]
		}
		d1, ok1 := patterns[bars]
		d2, ok2 := patterns[spaces]
		if !ok1 || !ok2 {
			return "", fmt.Errorf("pair %d does not decode", i/10)
		}
		out = append(out, d1, d2)
	}
	return string(out), nil
}

func TestBarcodeImageDecodesBack(t *testing.T) {
	for _, b := range append(randomBoletos(t, 20, 5), mustBoleto(t)) {
		img, err := BarcodeImage(b.Barcode, pdfModulePx, pdfHeightPx)
		if err != nil {
			t.Fatal(err)
		}
		if got := img.Bounds().Dx(); got != barcodeModules*pdfModulePx {
			t.Fatalf("image is %d px wide, want %d modules × %d", got, barcodeModules, pdfModulePx)
		}
		got, err := decodeI2of5(img, img.Bounds().Dy()/2)
		if err != nil || got != b.Barcode {
			t.Fatalf("decoded %q, %v; want %s", got, err, b.Barcode)
		}
	}
	// The module is 103 mm / 405 ≈ 0.254 mm, the narrow bar FEBRABAN asks for.
	if m := BarcodeWidthMM / barcodeModules; m < 0.25 || m > 0.26 {
		t.Errorf("narrow bar %.3f mm", m)
	}
}

// gozxing's ITF reader agrees with ours (it needs a quiet zone around the
// symbol, which the page gives in the PDF).
func TestBarcodeImageGozxingITF(t *testing.T) {
	b := mustBoleto(t)
	img, err := BarcodeImage(b.Barcode, pdfModulePx, pdfHeightPx)
	if err != nil {
		t.Fatal(err)
	}
	const quiet = 40
	canvas := image.NewGray(image.Rect(0, 0, img.Bounds().Dx()+2*quiet, img.Bounds().Dy()+2*quiet))
	draw.Draw(canvas, canvas.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(canvas, img.Bounds().Add(image.Pt(quiet, quiet)), img, image.Point{}, draw.Src)
	bmp, err := gozxing.NewBinaryBitmapFromImage(canvas)
	if err != nil {
		t.Fatal(err)
	}
	res, err := oned.NewITFReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_ALLOWED_LENGTHS: []int{44}})
	if err != nil {
		t.Fatal(err)
	}
	if res.GetText() != b.Barcode {
		t.Errorf("gozxing read %s, want %s", res.GetText(), b.Barcode)
	}
}

func mustBoleto(t testing.TB) Boleto {
	b, err := NewBoleto(Account{Bank: "341", Agency: "1234", Account: "12345", Carteira: "109"}, "12345678", 15000, day("2026-12-10"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBoletoPDF(t *testing.T) {
	b := mustBoleto(t)
	doc := BoletoDocument{
		Boleto:         b,
		Beneficiary:    Account{BeneficiaryName: "Loja Exemplo Comércio Ltda.", CNPJ: "12345678000195", Address: "Rua das Flores, 100 — Centro, São Paulo/SP", Carteira: "109"},
		PayerName:      "Ana Souza",
		PayerCPF:       "123.456.789-09",
		PayerAddress:   "Av. Brasil, 200, Rio de Janeiro/RJ",
		DocumentNumber: "NF 4521",
		DocumentDate:   day("2026-11-20"),
		ProcessingDate: day("2026-11-25"),
		Instructions:   []string{"Após o vencimento, multa de 2% e juros de 1% ao mês pro rata die.", "Segunda via: fale com a gente pelo WhatsApp."},
	}
	data, err := BoletoPDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF")) {
		t.Fatalf("not a PDF: %q", data[:10])
	}
	for _, s := range []string{b.Linha, "***.456.789-**", "12.345.678/0001-95", "109/12345678-", "10/12/2026", "R$ 150,00"} {
		if !bytes.Contains(data, []byte(s)) {
			t.Errorf("PDF lacks %q", s)
		}
	}
	if bytes.Contains(data, []byte("123.456.789-09")) || bytes.Contains(data, []byte("12345678909")) {
		t.Error("the payer's full CPF is in the PDF")
	}
	// Same input, same bytes: the clock is not read.
	again, _ := BoletoPDF(doc)
	if !bytes.Equal(data, again) {
		t.Error("PDF output is not deterministic")
	}
	if dir := os.Getenv("QUITA_PDF_OUT"); dir != "" {
		_ = os.WriteFile(dir+"/boleto.pdf", data, 0o644)
	}
}

func TestMaskCPFAndFormatCNPJ(t *testing.T) {
	for in, want := range map[string]string{"12345678909": "***.456.789-**", "123.456.789-09": "***.456.789-**", "123": "***", "": ""} {
		if got := MaskCPF(in); got != want {
			t.Errorf("MaskCPF(%q) = %q, want %q", in, got, want)
		}
	}
	if got := FormatCNPJ("12345678000195"); got != "12.345.678/0001-95" {
		t.Errorf("got %s", got)
	}
	if !strings.Contains(FormatCNPJ(" x "), "x") {
		t.Error("non-CNPJ text should pass through")
	}
}
