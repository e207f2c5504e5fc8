package payments

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// PixQRPNG renders a BR Code payload as a size×size PNG QR code (error
// correction level M, the usual choice for BR Codes).
func PixQRPNG(payload string, size int) ([]byte, error) {
	if size < 64 || size > 4096 {
		return nil, fmt.Errorf("qr: size %d out of 64–4096 pixels", size)
	}
	png, err := qrcode.Encode(payload, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	return png, nil
}
