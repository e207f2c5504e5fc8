package payments

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Banco Central, "Manual de Padrões para Iniciação do Pix", static BR Code
// example (Fulano de Tal, BRASILIA, EVP key, no amount, txid ***).
const bcbStaticExample = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"

// thalesog/pix-utils tests/emvCodes.ts: static payloads with a description
// (and an amount in the first), and a dynamic one with a URL.
var pixUtilsVectors = []string{
	"00020126510014br.gov.bcb.pix0115thalesog@me.com0210Pedido 123520400005303986540510.005802BR5914Thales Ogliari6015SAO MIGUEL DO O62070503***63044367",
	"00020126510014br.gov.bcb.pix0115thalesog@me.com0210Pedido 1235204000053039865802BR5914Thales Ogliari6015SAO MIGUEL DO O62070503***63042C6B",
	"00020126740014br.gov.bcb.pix2552payload.psp.com/3ec9d2f9-5f03-4e0e-820d-63a81e769e875204000053039865802BR5914Thales Ogliari6015SAO MIGUEL DO O62070503***63040C64",
}

func TestCRC16(t *testing.T) {
	// CRC-16/CCITT-FALSE check value (the CRC catalogue's "check" for "123456789").
	if got := CRC16([]byte("123456789")); got != 0x29B1 {
		t.Errorf("CRC16(123456789) = %04X, want 29B1", got)
	}
	if got := CRC16(nil); got != 0xFFFF {
		t.Errorf("CRC16(empty) = %04X, want FFFF", got)
	}
}

func TestEncodeBRCodeMatchesBancoCentral(t *testing.T) {
	got, err := EncodeBRCode(Pix{Key: "123e4567-e12b-12d1-a456-426655440000", Name: "Fulano de Tal", City: "BRASILIA"})
	if err != nil {
		t.Fatal(err)
	}
	if got != bcbStaticExample {
		t.Errorf("got  %s\nwant %s", got, bcbStaticExample)
	}
	got, err = EncodeBRCode(Pix{Key: "thalesog@me.com", Description: "Pedido 123", AmountCents: 1000, Name: "Thales Ogliari", City: "SAO MIGUEL DO O"})
	if err != nil || got != pixUtilsVectors[0] {
		t.Errorf("got  %s, %v\nwant %s", got, err, pixUtilsVectors[0])
	}
}

func TestParsePublishedBRCodes(t *testing.T) {
	p, err := ParsePix(bcbStaticExample)
	if err != nil {
		t.Fatal(err)
	}
	want := Pix{Key: "123e4567-e12b-12d1-a456-426655440000", Name: "Fulano de Tal", City: "BRASILIA", TxID: "***", MCC: "0000", CRC: "1D3D"}
	if p != want {
		t.Errorf("got %+v", p)
	}
	for _, v := range pixUtilsVectors {
		p, err := ParsePix(v)
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if p.City != "SAO MIGUEL DO O" || (p.Key == "" && p.URL == "") {
			t.Errorf("%s: %+v", v, p)
		}
	}
	if p, _ := ParsePix(pixUtilsVectors[0]); p.AmountCents != 1000 || p.Description != "Pedido 123" {
		t.Errorf("got %+v", p)
	}
	if p, _ := ParsePix(pixUtilsVectors[2]); p.URL != "payload.psp.com/3ec9d2f9-5f03-4e0e-820d-63a81e769e87" {
		t.Errorf("got %+v", p)
	}
}

func TestPixPayloadNormalisesAndRoundTrips(t *testing.T) {
	in := Pix{
		Key:         "123.456.789-09",
		Name:        "Padaria São João da Esquina Ltda.",
		City:        "São José dos Campos",
		Description: "Acordo nº 12 — parcela 1/6",
		AmountCents: 15000,
		TxID:        "QUITA2026ABC",
	}
	payload, err := PixPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePix(payload)
	if err != nil {
		t.Fatalf("%s: %v", payload, err)
	}
	if p.Name != "PADARIA SAO JOAO DA ESQUI" || p.City != "SAO JOSE DOS CA" {
		t.Errorf("name %q city %q", p.Name, p.City)
	}
	if p.Key != "12345678909" || p.AmountCents != 15000 || p.TxID != "QUITA2026ABC" || p.Description != "Acordo n 12 parcela 1/6" {
		t.Errorf("got %+v", p)
	}
	if !strings.Contains(payload, "5406150.00") {
		t.Errorf("amount field missing: %s", payload)
	}
	// Without txid: ***.
	payload, _ = PixPayload(Pix{Key: "a@b.co", Name: "x", City: "y"})
	if p, err := ParsePix(payload); err != nil || p.TxID != "***" || p.AmountCents != 0 || p.Name != "X" {
		t.Errorf("got %+v, %v", p, err)
	}
}

func TestPixRejects(t *testing.T) {
	for name, p := range map[string]Pix{
		"no key":       {Name: "A", City: "B"},
		"bad txid":     {Key: "k", Name: "A", City: "B", TxID: "has space"},
		"long txid":    {Key: "k", Name: "A", City: "B", TxID: strings.Repeat("a", 26)},
		"no name":      {Key: "k", City: "B"},
		"no city":      {Key: "k", Name: "A"},
		"long key":     {Key: strings.Repeat("k", 78), Name: "A", City: "B"},
		"negative":     {Key: "k", Name: "A", City: "B", AmountCents: -1},
		"space in key": {Key: "a b", Name: "A", City: "B"},
	} {
		if s, err := PixPayload(p); err == nil {
			t.Errorf("%s: expected an error, got %s", name, s)
		}
	}
}

// Any single altered character is caught: by the CRC when it is in the data,
// or by the CRC's own check when it is in field 63.
func TestPixFlippedCharacterFailsCRC(t *testing.T) {
	payload, err := PixPayload(Pix{Key: "+5561912345678", Name: "Loja Exemplo", City: "Brasília", AmountCents: 125050, TxID: "ABC123"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(payload); i++ {
		for _, c := range []byte{'0', '7', 'A', 'z', '*'} {
			if c == payload[i] {
				continue
			}
			m := []byte(payload)
			m[i] = c
			if _, err := ParsePix(string(m)); err == nil {
				t.Fatalf("changing position %d to %c was not caught: %s", i, c, m)
			}
		}
	}
	_, err = ParsePix(payload[:len(payload)-4] + "0000")
	if err == nil || !strings.Contains(err.Error(), "CRC") {
		t.Errorf("wrong CRC: %v", err)
	}
}

func TestParsePixChecksLengths(t *testing.T) {
	withCRC := func(body string) string {
		body += "6304"
		return body + hex4(CRC16([]byte(body)))
	}
	for name, body := range map[string]string{
		"long name":    "000201" + "26180014br.gov.bcb.pix" + "52040000" + "5303986" + "5802BR" + "5926ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "6001B",
		"long city":    "000201" + "26250014br.gov.bcb.pix0103abc" + "52040000" + "5303986" + "5802BR" + "5901A" + "6016ABCDEFGHIJKLMNOP",
		"short length": "000201" + "26250014br.gov.bcb.pix0104abc" + "52040000" + "5303986" + "5802BR" + "5901A" + "6001B",
		"no gui":       "000201" + "26180014br.gov.bcb.xxx" + "52040000" + "5303986" + "5802BR" + "5901A" + "6001B",
		"no city":      "000201" + "26250014br.gov.bcb.pix0103abc" + "52040000" + "5303986" + "5802BR" + "5901A",
		"bad amount":   "000201" + "26250014br.gov.bcb.pix0103abc" + "52040000" + "5303986" + "54041,00" + "5802BR" + "5901A" + "6001B",
		"currency":     "000201" + "26250014br.gov.bcb.pix0103abc" + "52040000" + "5303840" + "5802BR" + "5901A" + "6001B",
		"long txid":    "000201" + "26250014br.gov.bcb.pix0103abc" + "52040000" + "5303986" + "5802BR" + "5901A" + "6001B" + "62300526ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		"empty field":  "000201" + "26250014br.gov.bcb.pix0103abc" + "52040000" + "5303986" + "5802BR" + "5901A" + "6001B" + "8000",
	} {
		if _, err := ParsePix(withCRC(body)); err == nil {
			t.Errorf("%s: expected an error", name)
		}
	}
	ok := withCRC("000201" + "26250014br.gov.bcb.pix0103abc" + "52040000" + "5303986" + "5802BR" + "5901A" + "6001B")
	if _, err := ParsePix(ok); err != nil {
		t.Errorf("minimal payload: %v", err)
	}
}

func hex4(v uint16) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

func TestPixQRDecodesToPayload(t *testing.T) {
	payload, err := PixPayload(Pix{Key: "123e4567-e12b-12d1-a456-426655440000", Name: "Loja Exemplo", City: "Sao Paulo", AmountCents: 15000, TxID: "QUITA1"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := PixQRPNG(payload, 320)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 320 {
		t.Errorf("size %v", b)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.GetText() != payload {
		t.Errorf("QR says %q, want %q", res.GetText(), payload)
	}
}

func FuzzParseBRCode(f *testing.F) {
	f.Add(bcbStaticExample)
	for _, v := range pixUtilsVectors {
		f.Add(v)
	}
	f.Add("000201")
	f.Add("0002016304FFFF")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePix(s)
		if err != nil {
			return
		}
		if len([]rune(p.Name)) > pixMaxName || len([]rune(p.City)) > pixMaxCity || len([]rune(p.TxID)) > pixMaxTxID || p.AmountCents < 0 {
			t.Fatalf("%q: limits not enforced: %+v", s, p)
		}
		if p.Key == "" && p.URL == "" {
			t.Fatalf("%q: accepted without key or URL", s)
		}
	})
}

func BenchmarkPixPayload(b *testing.B) {
	p := Pix{Key: "123e4567-e12b-12d1-a456-426655440000", Name: "Loja Exemplo Ltda", City: "São Paulo", AmountCents: 15000, TxID: "QUITA2026ABC", Description: "Parcela 1/6"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PixPayload(p); err != nil {
			b.Fatal(err)
		}
	}
}
