package payments

import (
	"fmt"
	"image"
	"image/color"

	"github.com/boombuler/barcode/twooffive"
)

// FEBRABAN's boleto barcode is Interleaved 2 of 5 at 103 mm × 13 mm. With a
// 1:3 narrow:wide ratio the 44 digits take 405 modules (start 4, 22 pairs of
// 18, stop 5), so the narrow bar is 103/405 ≈ 0.254 mm.
const (
	BarcodeWidthMM  = 103.0
	BarcodeHeightMM = 13.0
	barcodeModules  = 405
	// pdfModulePx and pdfHeightPx are the image BoletoPDF embeds: 3 pixels a
	// module, about 11.8 px/mm, so 13 mm is 153 px.
	pdfModulePx = 3
	pdfHeightPx = 153
)

// BarcodeImage renders a 44-digit boleto barcode as Interleaved 2 of 5,
// modulePx pixels per narrow module and heightPx tall, black on white, with
// no quiet zone (the page around it is the quiet zone). BoletoPDF embeds
// BarcodeImage(barcode, 3, 153) scaled to 103 mm × 13 mm.
func BarcodeImage(barcode string, modulePx, heightPx int) (*image.Gray, error) {
	if len(barcode) != barcodeLen || !isDigits(barcode) {
		return nil, fmt.Errorf("barcode must be 44 digits")
	}
	if modulePx < 1 || heightPx < 1 {
		return nil, fmt.Errorf("barcode image: module and height must be at least 1 pixel")
	}
	code, err := twooffive.Encode(barcode, true)
	if err != nil {
		return nil, fmt.Errorf("barcode image: %w", err)
	}
	modules := code.Bounds().Dx()
	img := image.NewGray(image.Rect(0, 0, modules*modulePx, heightPx))
	for m := range modules {
		c := color.GrayModel.Convert(code.At(code.Bounds().Min.X+m, code.Bounds().Min.Y)).(color.Gray)
		for x := m * modulePx; x < (m+1)*modulePx; x++ {
			for y := range heightPx {
				img.SetGray(x, y, c)
			}
		}
	}
	return img, nil
}
