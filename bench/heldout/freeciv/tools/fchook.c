/* LD_PRELOAD for freeciv-gtk3: logs, with CLOCK_REALTIME, every text the client
 * puts into a GtkTextBuffer (chat/message output window) and every GtkLabel text
 * (info panel: nation, turn, year, gold, research ...). Log file: $FCHOOK_LOG. */
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
    const char *p = getenv("FCHOOK_LOG");
    lf = fopen(p ? p : "/tmp/fchook.log", "a");
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

/* Text views and their buffers (env FCHOOK_FOLLOW): after text is added to a buffer, an idle callback scrolls
 * every view of that buffer to a mark kept at the buffer's end, so the chat always shows its newest line whole
 * (the client itself follows only while the view is within 10 px of the bottom). */
static GtkWidget *views[32];
static int nviews;
static gboolean follow_idle(gpointer data)
{
  GtkTextBuffer *b = data;
  GtkTextMark *m = gtk_text_buffer_get_mark(b, "fchook-end");
  GtkTextIter end;
  if (!m) { gtk_text_buffer_get_end_iter(b, &end); m = gtk_text_buffer_create_mark(b, "fchook-end", &end, FALSE); }
  for (int i = 0; i < nviews; i++)
    if (gtk_text_view_get_buffer(GTK_TEXT_VIEW(views[i])) == b)
      gtk_text_view_scroll_to_mark(GTK_TEXT_VIEW(views[i]), m, 0.0, TRUE, 0.0, 1.0);
  g_object_unref(b);
  return FALSE;
}

GtkWidget *gtk_text_view_new_with_buffer(GtkTextBuffer *b)
{
  static GtkWidget *(*real)(GtkTextBuffer *);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_text_view_new_with_buffer");
  GtkWidget *v = real(b);
  if (nviews < 32) { views[nviews++] = v; g_object_ref(v); }
  return v;
}

void gtk_text_buffer_insert(GtkTextBuffer *b, GtkTextIter *it, const gchar *t, gint len)
{
  static void (*real)(GtkTextBuffer *, GtkTextIter *, const gchar *, gint);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_text_buffer_insert");
  if (t && !(t[0] == '\n' && (len == 1 || (len < 0 && t[1] == 0)))) logit("TEXT", b, t, len);
  real(b, it, t, len);
  if (getenv("FCHOOK_FOLLOW")) g_idle_add_full(G_PRIORITY_LOW, follow_idle, g_object_ref(b), NULL);
}

void gtk_text_buffer_set_text(GtkTextBuffer *b, const gchar *t, gint len)
{
  static void (*real)(GtkTextBuffer *, const gchar *, gint);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_text_buffer_set_text");
  logit("TSET", b, t, len);
  real(b, t, len);
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

void gtk_list_store_set_value(GtkListStore *s, GtkTreeIter *it, gint col, GValue *v)
{
  static void (*real)(GtkListStore *, GtkTreeIter *, gint, GValue *);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_list_store_set_value");
  if (G_VALUE_HOLDS_STRING(v)) logit("LIST", s, g_value_get_string(v), -1);
  real(s, it, col, v);
}

/* The message window (gtk3 client "Messages" tab) fills a GtkListStore with gtk_list_store_set(). */
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
    else if (f == G_TYPE_INT || f == G_TYPE_BOOLEAN || f == G_TYPE_UINT || f == G_TYPE_ENUM || f == G_TYPE_FLAGS || f == G_TYPE_CHAR || f == G_TYPE_UCHAR) (void)va_arg(aq, int);
    else if (f == G_TYPE_LONG || f == G_TYPE_ULONG) (void)va_arg(aq, long);
    else if (f == G_TYPE_INT64 || f == G_TYPE_UINT64) (void)va_arg(aq, gint64);
    else if (f == G_TYPE_DOUBLE || f == G_TYPE_FLOAT) (void)va_arg(aq, double);
    else (void)va_arg(aq, void *);
  }
  va_end(aq);
  realv(s, it, ap);
  va_end(ap);
}

/* Layout help for a recording (env FCHOOK_PANE=<pixels>): the vertical GtkPaned that holds the map (top) and
 * the chat/message notebook (bottom) gets its divider at FCHOOK_PANE (from a main-loop timer, 4 times a second),
 * so that ~18 chat lines are visible. */
static GtkWidget *vpane;
static int pane_pos = -1;
static gboolean pane_timer(gpointer data)
{
  (void)data;
  if (vpane && gtk_widget_get_mapped(vpane) && gtk_paned_get_position(GTK_PANED(vpane)) != pane_pos) {
    gtk_paned_set_position(GTK_PANED(vpane), pane_pos);
    gtk_widget_queue_draw(gtk_widget_get_toplevel(vpane));
  }
  return TRUE;
}

GtkWidget *gtk_paned_new(GtkOrientation o)
{
  static GtkWidget *(*real)(GtkOrientation);
  if (!real) real = dlsym(RTLD_NEXT, "gtk_paned_new");
  GtkWidget *w = real(o);
  logit("PANED", w, o == GTK_ORIENTATION_VERTICAL ? "vertical" : "horizontal", -1);
  if (o == GTK_ORIENTATION_VERTICAL && !vpane && getenv("FCHOOK_PANE")) {
    vpane = w;
    g_object_ref(w);
    pane_pos = atoi(getenv("FCHOOK_PANE"));
    g_timeout_add(250, pane_timer, NULL);
  }
  return w;
}

