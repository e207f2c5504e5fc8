package console

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/portfolio"
	"github.com/quita-bot/quita/storage"
)

// PortfolioOptions are the import and export pages' parts.
type PortfolioOptions struct {
	// Importer is looked up at each upload (serve builds it after the console).
	Importer  func() *portfolio.Importer
	Creditors []string // the creditor ids an export may be limited to
	TimeZone  string   // shows the times of debtors without a zone
}

const (
	maxUpload  = 32 << 20       // bytes of a file (serve lets such bodies through)
	uploadTTL  = time.Hour      // a checked file waits this long for its confirmation
	resultTTL  = 24 * time.Hour // an import's progress and summary stay this long
	exportTime = 10 * time.Minute
)

// importPage is the upload form, with the export's downloads.
func (c *Console) importPage(ctx *fiber.Ctx) error {
	return c.render(ctx, "import", c.importData(fiber.Map{"Stage": "form"}))
}

func (c *Console) importData(m fiber.Map) fiber.Map {
	m["Creditors"] = c.opts.Portfolio.Creditors
	m["MaxMB"] = maxUpload >> 20
	m["Headers"] = headerNames
	return m
}

// headerNames are the columns' Portuguese names, for the tables.
var headerNames = func() map[string]string {
	m := map[string]string{}
	for _, col := range portfolio.Columns {
		m[col] = portfolio.Aliases[col][0]
	}
	return m
}()

// uploadForm reads the form's file and options.
func uploadForm(ctx *fiber.Ctx) (data []byte, name string, o portfolio.ReadOptions, err error) {
	fh, err := ctx.FormFile("file")
	if err != nil {
		return nil, "", o, errors.New("choose a CSV or XLSX file")
	}
	if fh.Size > maxUpload {
		return nil, "", o, fmt.Errorf("the file has %d MB; the console takes up to %d MB (import larger ones with quita import)", fh.Size>>20, maxUpload>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", o, err
	}
	defer f.Close()
	if data, err = io.ReadAll(f); err != nil {
		return nil, "", o, err
	}
	o, err = readOptions(ctx.FormValue("encoding"), ctx.FormValue("sheet"), ctx.FormValue("map"))
	return data, filepath.Base(fh.Filename), o, err
}

func readOptions(encoding, sheet, mapping string) (portfolio.ReadOptions, error) {
	enc, err := portfolio.ParseEncoding(encoding)
	if err != nil {
		return portfolio.ReadOptions{}, err
	}
	m, err := portfolio.ParseMap(mapping)
	if err != nil {
		return portfolio.ReadOptions{}, err
	}
	return portfolio.ReadOptions{Encoding: enc, Sheet: sheet, Map: m}, nil
}

// upload checks a file and shows what importing it would do; nothing is
// written but the file, kept until it is confirmed.
func (c *Console) upload(ctx *fiber.Ctx) error {
	form := fiber.Map{"Stage": "form", "Sheet": ctx.FormValue("sheet"), "Encoding": ctx.FormValue("encoding"), "Map": ctx.FormValue("map")}
	data, name, o, err := uploadForm(ctx)
	if err != nil {
		ctx.Status(fiber.StatusUnprocessableEntity)
		form["Error"] = err.Error()
		return c.render(ctx, "import", c.importData(form))
	}
	f, headerErrs, err := portfolio.OpenBytes(data, name, o)
	if err != nil || f == nil {
		ctx.Status(fiber.StatusUnprocessableEntity)
		if err != nil {
			form["Error"] = err.Error()
		} else {
			form["Error"] = "O cabeçalho de " + name + " não pôde ser lido: nada foi importado."
			form["HeaderErrors"] = headerErrs
		}
		return c.render(ctx, "import", c.importData(form))
	}
	defer f.Close()
	preview := c.opts.Portfolio.Importer().Preview(f, portfolio.PreviewRows)
	pj, err := json.Marshal(preview)
	if err != nil {
		return c.pageError(ctx, err)
	}
	u := storage.Upload{ID: randomHex(16), Name: name, By: c.user(ctx).Email, Sheet: o.Sheet, Encoding: string(o.Encoding),
		Map: ctx.FormValue("map"), Total: preview.Rows, Preview: pj, At: time.Now()}
	if err := c.store.SaveUpload(ctx.UserContext(), u, data, uploadTTL); err != nil {
		return c.pageError(ctx, err)
	}
	c.log.Info("console: portfolio file checked", "agent", u.By, "rows", preview.Rows, "refused", preview.Failed)
	return ctx.Redirect("/console/admin/import/"+u.ID, fiber.StatusSeeOther)
}

// uploadPage shows an upload: its preview and the confirmation, its
// progress, or its result.
func (c *Console) uploadPage(ctx *fiber.Ctx) error {
	u, err := c.store.LoadUpload(ctx.UserContext(), ctx.Params("id"))
	if errors.Is(err, storage.ErrNotFound) {
		ctx.Status(fiber.StatusNotFound)
		return c.render(ctx, "import", c.importData(fiber.Map{"Stage": "form", "Error": "Esse envio expirou (os arquivos esperam a confirmação por 1 hora): envie o arquivo de novo."}))
	}
	if err != nil {
		return c.pageError(ctx, err)
	}
	var preview portfolio.Preview
	if err := json.Unmarshal(u.Preview, &preview); err != nil {
		return c.pageError(ctx, err)
	}
	data := fiber.Map{"Stage": u.State, "U": u, "P": preview, "Valid": preview.Rows - preview.Failed, "Percent": percent(u.Done, u.Total)}
	if len(u.Summary) > 0 {
		var sum portfolio.Summary
		if err := json.Unmarshal(u.Summary, &sum); err != nil {
			return c.pageError(ctx, err)
		}
		data["S"] = sum
	}
	if u.State == storage.UploadFailed {
		data["Error"] = "A importação parou: " + u.Error + ". Confirme de novo para continuar (linhas já gravadas são atualizadas, não duplicadas)."
	}
	return c.render(ctx, "import", c.importData(data))
}

func percent(done, total int) int {
	if total <= 0 {
		return 100
	}
	return min(done*100/total, 100)
}

// confirmUpload starts the import of a checked upload (once, however
// many times it is confirmed) and shows its progress.
func (c *Console) confirmUpload(ctx *fiber.Ctx) error {
	id := ctx.Params("id")
	started, err := c.store.StartUpload(ctx.UserContext(), id, resultTTL)
	if err != nil {
		return c.pageError(ctx, err)
	}
	if started {
		u, err := c.store.LoadUpload(ctx.UserContext(), id)
		if err != nil {
			return c.pageError(ctx, err)
		}
		c.log.Info("console: portfolio import started", "agent", c.user(ctx).Email, "rows", u.Total)
		go c.runUpload(u)
	}
	return ctx.Redirect("/console/admin/import/"+url.PathEscape(id), fiber.StatusSeeOther)
}

// runUpload imports a confirmed file, recording its progress.
func (c *Console) runUpload(u storage.Upload) {
	ctx := c.jobContext()
	sum, err := c.importUpload(ctx, u)
	state, msg := storage.UploadDone, ""
	if err != nil {
		state, msg = storage.UploadFailed, err.Error()
		c.log.Error("console: portfolio import failed", "err", err)
	}
	sj, _ := json.Marshal(sum)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := c.store.FinishUpload(fctx, u.ID, state, sj, msg, resultTTL); err != nil {
		c.log.Error("console: record the end of an import", "err", err)
	}
	c.log.Info("console: portfolio import ended", "state", state, "created", sum.Created, "updated", sum.Updated, "refused", sum.Failed)
}

func (c *Console) importUpload(ctx context.Context, u storage.Upload) (portfolio.Summary, error) {
	data, err := c.store.UploadFile(ctx, u.ID)
	if err != nil {
		return portfolio.Summary{}, err
	}
	o, err := readOptions(u.Encoding, u.Sheet, u.Map)
	if err != nil {
		return portfolio.Summary{}, err
	}
	f, _, err := portfolio.OpenBytes(data, u.Name, o)
	if err != nil || f == nil {
		return portfolio.Summary{}, fmt.Errorf("the file cannot be read again: %v", err)
	}
	defer f.Close()
	sum, err := c.opts.Portfolio.Importer().ImportSeq(ctx, f.Rows(), u.Total, f.Errors, func(done, total int) {
		if err := c.store.UploadProgress(ctx, u.ID, done, total); err != nil {
			c.log.Warn("console: record import progress", "err", err)
		}
	})
	sum.Notes = f.Notes()
	return sum, err
}

// jobContext is the context imports run in: the console's (they stop
// with the process).
func (c *Console) jobContext() context.Context {
	c.jobsMu.Lock()
	defer c.jobsMu.Unlock()
	if c.jobs == nil {
		return context.Background()
	}
	return c.jobs
}

// uploadProgress is an import's progress for the page's bar.
func (c *Console) uploadProgress(ctx *fiber.Ctx) error {
	u, err := c.store.LoadUpload(ctx.UserContext(), ctx.Params("id"))
	if errors.Is(err, storage.ErrNotFound) {
		return ctx.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": "no such upload"})
	}
	if err != nil {
		return c.apiError(ctx, err)
	}
	return ctx.JSON(fiber.Map{"state": u.State, "done": u.Done, "total": u.Total, "percent": percent(u.Done, u.Total)})
}

// exportDownload streams the status sheet.
func (c *Console) exportDownload(ctx *fiber.Ctx) error {
	format, err := portfolio.ParseFormat(ctx.Query("format", portfolio.FormatXLSX))
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	creditor := ctx.Query("creditor")
	name := "situacao-" + time.Now().Format(time.DateOnly)
	if creditor != "" {
		name += "-" + safeName(creditor)
	}
	ctx.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+"."+format+`"`)
	if format == portfolio.FormatXLSX {
		ctx.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	} else {
		ctx.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	}
	x := &portfolio.Exporter{Store: c.store, DefaultZone: c.opts.Portfolio.TimeZone}
	log, by := c.log, c.user(ctx).Email
	// Streamed after the handler returns, so it has a context of its own.
	ctx.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		rctx, cancel := context.WithTimeout(context.Background(), exportTime)
		defer cancel()
		n, err := x.Write(rctx, w, format, creditor)
		if err != nil {
			log.Error("console: export", "err", err)
			return
		}
		log.Info("console: debts exported", "agent", by, "debts", n, "format", format)
	})
	return nil
}
