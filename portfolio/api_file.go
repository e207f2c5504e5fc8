package portfolio

import (
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// XLSXContentType is the media type of an .xlsx workbook
// (https://www.iana.org/assignments/media-types/application/vnd.openxmlformats-officedocument.spreadsheetml.sheet).
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// fileUpload says whether POST /api/v1/debts carries a file rather than
// JSON: a multipart form with the field "file", or a CSV or XLSX body.
func fileUpload(c *fiber.Ctx) bool {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	return strings.HasPrefix(ct, fiber.MIMEMultipartForm) || strings.HasPrefix(ct, "text/csv") || strings.HasPrefix(ct, XLSXContentType)
}

// postFile imports a CSV or XLSX sent to POST /api/v1/debts: as the
// multipart field "file" with the fields sheet, encoding, map and
// dry_run, or as the body (text/csv or the XLSX media type) with the same
// as query parameters. dry_run=true answers the preview (the first rows as
// read and every error) and writes nothing; otherwise the answer is the
// import's summary, 422 when a row was refused, as for JSON.
func (a *API) postFile(c *fiber.Ctx) error {
	param := c.Query
	var data []byte
	name := c.Query("filename", "upload.csv")
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		fh, err := c.FormFile("file")
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, `send the spreadsheet in the multipart field "file"`)
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		if data, err = io.ReadAll(f); err != nil {
			return err
		}
		name = filepath.Base(fh.Filename)
		param = func(key string, def ...string) string { return c.FormValue(key, def...) }
	} else {
		data = c.Body()
		if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), XLSXContentType) && filepath.Ext(name) != ".xlsx" {
			name = strings.TrimSuffix(name, filepath.Ext(name)) + ".xlsx"
		}
	}
	if len(data) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "the file is empty")
	}
	enc, err := ParseEncoding(param("encoding"))
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "encoding: "+err.Error())
	}
	m, err := ParseMap(param("map"))
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	dry, _ := strconv.ParseBool(param("dry_run", "false"))
	f, headerErrs, err := OpenBytes(data, name, ReadOptions{Encoding: enc, Sheet: param("sheet"), Map: m})
	if err != nil {
		return fiber.NewError(fiber.StatusUnprocessableEntity, err.Error())
	}
	if f == nil {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(Summary{Errors: headerErrs})
	}
	defer f.Close()
	if dry {
		return c.JSON(a.Importer.Preview(f, PreviewRows))
	}
	sum, err := a.Importer.ImportSeq(c.UserContext(), f.Rows(), 0, f.Errors, nil) // no progress to show
	if err != nil {
		return err
	}
	sum.Notes = f.Notes()
	status := fiber.StatusOK
	if sum.Failed > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return c.Status(status).JSON(sum)
}
