/* LD_PRELOAD for the Pioneers 15.6 GTK3 client: logs, with CLOCK_REALTIME (the clock x11grab stamps its
 * frames with), every text the client writes into its message log (gtk_text_buffer_insert_with_tags_by_name),
 * every GtkLabel text (status bar, turn, dice) and every string put into a GtkListStore (player summary).
 * Log file: $PIOHOOK_LOG.  Adapted from the freeciv held-out clip's fchook.c. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <gtk/gtk.h>

static FILE *lf;
static void logit(const char *kind, const void *obj, const char *text, int len)
{
  struct timespec ts;
  if (!lf) {
    const char *p = getenv("PIOHOOK_LOG");
    lf = fopen(p ? p : "/tmp/piohook.log", "a");
    if (!lf) return;
    setvbuf(lf, NULL, _IOLBF, 0);
  }
  clock_gettime(CLOCK_REALTIME, &ts);
  fprintf(lf, "%ld.%06ld %s %p ", (long)ts.tv_sec, ts.tv_nsec / 1000, kind, obj);
  for (int i = 0; text && (len < 0 ? text[i] : i < len); i++) {
    char c = text[i];
    if (c == '\n') fputs("\\n", lf); else if (c == '\\') fputs("\\\\", lf); else fputc(c, lf);
  }
  fputc('\n', lf);
}

/* what GTK itself does: insert, then apply the named tags to the inserted range */
void gtk_text_buffer_insert_with_tags_by_name(GtkTextBuffer *b, GtkTextIter *it, const gchar *t, gint len,
                                              const gchar *first_tag, ...)
{
  GtkTextIter start;
  gint off = gtk_text_iter_get_offset(it);
  char tags[256] = "";
  va_list ap;
  logit("TEXT", b, t, len);
  gtk_text_buffer_insert(b, it, t, len);
  gtk_text_buffer_get_iter_at_offset(b, &start, off);
  va_start(ap, first_tag);
  for (const gchar *n = first_tag; n; n = va_arg(ap, const gchar *)) {
    gtk_text_buffer_apply_tag_by_name(b, n, &start, it);
    if (strlen(tags) + strlen(n) + 2 < sizeof tags) { strcat(tags, n); strcat(tags, " "); }
  }
  va_end(ap);
  logit("TAGS", b, tags, -1);
}

void gtk_label_set_text(GtkLabel *l, const gchar *t)
{
  static void (*real)(GtkLabel *, const gchar *);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_label_set_text");
  logit("LABEL", l, t, -1);
  real(l, t);
}

void gtk_label_set_markup(GtkLabel *l, const gchar *t)
{
  static void (*real)(GtkLabel *, const gchar *);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_label_set_markup");
  logit("MARKUP", l, t, -1);
  real(l, t);
}

void gtk_list_store_set(GtkListStore *s, GtkTreeIter *it, ...)
{
  static void (*realv)(GtkListStore *, GtkTreeIter *, va_list);
  va_list ap, aq;
  if (!realv) realv = dlsym(RTLD_NEXT, "gtk_list_store_set_valist");
  va_start(ap, it);
  va_copy(aq, ap);
  for (;;) {
    int col = va_arg(aq, int);
    if (col < 0) break;
    GType t = gtk_tree_model_get_column_type(GTK_TREE_MODEL(s), col);
    GType f = G_TYPE_FUNDAMENTAL(t);
    if (f == G_TYPE_STRING) { const char *x = va_arg(aq, const char *); if (x) logit("LIST", s, x, -1); }
    else if (f == G_TYPE_INT || f == G_TYPE_BOOLEAN || f == G_TYPE_UINT || f == G_TYPE_ENUM || f == G_TYPE_FLAGS || f == G_TYPE_CHAR || f == G_TYPE_UCHAR) {
      int v = va_arg(aq, int);
      if (f == G_TYPE_INT) { char b[32]; snprintf(b, sizeof b, "col%d=%d", col, v); logit("LISTINT", s, b, -1); }
    }
    else if (f == G_TYPE_LONG || f == G_TYPE_ULONG) (void)va_arg(aq, long);
    else if (f == G_TYPE_INT64 || f == G_TYPE_UINT64) (void)va_arg(aq, gint64);
    else if (f == G_TYPE_DOUBLE || f == G_TYPE_FLOAT) (void)va_arg(aq, double);
    else (void)va_arg(aq, void *);
  }
  va_end(aq);
  realv(s, it, ap);
  va_end(ap);
}

/* status bar at the bottom left ("Escher must move the robber.", "The game is over.") */
guint gtk_statusbar_push(GtkStatusbar *sb, guint ctx, const gchar *t)
{
  static guint (*real)(GtkStatusbar *, guint, const gchar *);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_statusbar_push");
  logit("STATUS", sb, t, -1);
  return real(sb, ctx, t);
}

/* message dialogs (the end-of-game "X has won the game ..." popup): format, log, pass on as "%s" */
GtkWidget *gtk_message_dialog_new(GtkWindow *parent, GtkDialogFlags flags, GtkMessageType type,
                                  GtkButtonsType buttons, const gchar *fmt, ...)
{
  static GtkWidget *(*real)(GtkWindow *, GtkDialogFlags, GtkMessageType, GtkButtonsType, const gchar *, ...);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_message_dialog_new");
  gchar *s = NULL;
  if (fmt) { va_list ap; va_start(ap, fmt); s = g_strdup_vprintf(fmt, ap); va_end(ap); }
  logit("DIALOG", parent, s ? s : "", -1);
  GtkWidget *w = s ? real(parent, flags, type, buttons, "%s", s) : real(parent, flags, type, buttons, NULL);
  g_free(s);
  return w;
}

void gtk_message_dialog_format_secondary_text(GtkMessageDialog *d, const gchar *fmt, ...)
{
  static void (*real)(GtkMessageDialog *, const gchar *, ...);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_message_dialog_format_secondary_text");
  gchar *s = NULL;
  if (fmt) { va_list ap; va_start(ap, fmt); s = g_strdup_vprintf(fmt, ap); va_end(ap); }
  logit("DIALOG2", d, s ? s : "", -1);
  if (s) real(d, "%s", s); else real(d, NULL);
  g_free(s);
}

/* the dialog becomes visible */
void gtk_widget_show(GtkWidget *w)
{
  static void (*real)(GtkWidget *);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_widget_show");
  if (w && GTK_IS_MESSAGE_DIALOG(w)) logit("DIALOGSHOW", w, "", -1);
  real(w);
}
