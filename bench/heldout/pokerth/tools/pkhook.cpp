// pkhook.so: LD_PRELOAD hook for the PokerTH 1.1.2 Qt5 client (Debian pokerth 1.1.2-2).
// Logs, with CLOCK_REALTIME (the clock x11grab stamps its frames with), every text the client puts on screen:
//   LOG    QTextEdit::append (the Log / Chat panels; HTML converted to the plain text shown)
//   LABEL  QLabel::setText (pot, stage, hand counter, seat cash/bet/name labels, dialogs)
//   PIXMAP QLabel::setPixmap (seat action pictures "Fold", "Call", ... identified by comparing the image with the
//          files in gfx/gui/misc/actionpics; other pixmaps are logged as their size + a hash)
//   DRAW   QPainter::drawText (custom-painted texts; logged when the text at that device+rect changes)
// Each line: "<unix time> <TYPE> <objectName> <x>,<y>,<w>,<h> <visible> <text>" (geometry in top-level window
// coordinates; the game window is placed at 0,0, so these are screen pixels).  Log file: $PKHOOK_LOG.
#include <QtWidgets/QLabel>
#include <QtWidgets/QTextEdit>
#include <QtGui/QPainter>
#include <QtGui/QPixmap>
#include <QtGui/QImage>
#include <QtGui/QTextDocumentFragment>
#include <QtCore/QDir>
#include <QtCore/QHash>
#include <QtCore/QCryptographicHash>
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>
#include <pthread.h>

static FILE *lf;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static double now() { struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }
static void out(const char *typ, QWidget *w, const QString &text) {
    pthread_mutex_lock(&mu);
    if (!lf) { const char *p = getenv("PKHOOK_LOG"); lf = fopen(p ? p : "/tmp/pkhook.log", "a"); }
    QString name = w ? w->objectName() : QString("-");
    if (name.isEmpty()) name = "?";
    int x = -1, y = -1, ww = -1, hh = -1, vis = 0;
    if (w) { QPoint p = w->mapTo(w->window(), QPoint(0, 0)); x = p.x(); y = p.y(); ww = w->width(); hh = w->height(); vis = w->isVisible(); }
    QString t = text; t.replace("\\", "\\\\"); t.replace("\n", "\\n");
    fprintf(lf, "%.6f %s %s %d,%d,%d,%d %d %s\n", now(), typ, name.toUtf8().constData(), x, y, ww, hh, vis, t.toUtf8().constData());
    fflush(lf);
    pthread_mutex_unlock(&mu);
}

static QByteArray imgHash(const QImage &im) {
    QImage a = im.convertToFormat(QImage::Format_ARGB32);
    QCryptographicHash h(QCryptographicHash::Md5);
    h.addData(QByteArray::number(a.width()) + "x" + QByteArray::number(a.height()));
    for (int y = 0; y < a.height(); y++) h.addData((const char *)a.constScanLine(y), a.width() * 4);
    return h.result().toHex().left(12);
}
static QHash<QByteArray, QString> *known;
static QString pixName(const QPixmap &p) {
    if (!known) {
        known = new QHash<QByteArray, QString>;
        QDir d("/usr/share/games/pokerth/gfx/gui/misc/actionpics");
        for (const QString &f : d.entryList(QStringList() << "*.png")) known->insert(imgHash(QImage(d.filePath(f))), f);
        known->insert(imgHash(QImage("/usr/share/games/pokerth/gfx/gui/misc/1px.png")), "1px.png");
    }
    if (p.isNull()) return "null";
    QByteArray h = imgHash(p.toImage());
    if (known->contains(h)) return known->value(h);
    return QString("img %1x%2 %3").arg(p.width()).arg(p.height()).arg(QString(h));
}

#define REAL(fn, sym) static fn real = 0; if (!real) real = (fn)dlsym(RTLD_NEXT, sym);

void QTextEdit::append(const QString &text) {
    typedef void (*F)(QTextEdit *, const QString &);
    REAL(F, "_ZN9QTextEdit6appendERK7QString");
    real(this, text);
    out("LOG", this, QTextDocumentFragment::fromHtml(text).toPlainText());
    out("LOGHTML", this, text);
}
void QLabel::setText(const QString &text) {
    typedef void (*F)(QLabel *, const QString &);
    REAL(F, "_ZN6QLabel7setTextERK7QString");
    QString old = this->text();
    real(this, text);
    if (old != text) out("LABEL", this, text);
}
void QLabel::setPixmap(const QPixmap &p) {
    typedef void (*F)(QLabel *, const QPixmap &);
    REAL(F, "_ZN6QLabel9setPixmapERK7QPixmap");
    real(this, p);
    if (getenv("PKHOOK_PIX")) out("PIXMAP", this, pixName(p));
}
static QHash<QString, QString> *drawn;
static void logDraw(QPainter *pa, const QString &r, const QString &s) {
    if (!getenv("PKHOOK_DRAW")) return;
    if (!drawn) drawn = new QHash<QString, QString>;
    QString key = QString::number((quintptr)pa->device(), 16) + " " + r;
    if (drawn->value(key) != s) { drawn->insert(key, s); out("DRAW", dynamic_cast<QWidget *>(pa->device()), r + " " + s); }
}
void QPainter::drawText(const QRect &r, int flags, const QString &s, QRect *br) {
    typedef void (*F)(QPainter *, const QRect &, int, const QString &, QRect *);
    REAL(F, "_ZN8QPainter8drawTextERK5QRectiRK7QStringPS0_");
    real(this, r, flags, s, br);
    logDraw(this, QString("%1,%2,%3,%4").arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height()), s);
}
void QPainter::drawText(const QRectF &r, int flags, const QString &s, QRectF *br) {
    typedef void (*F)(QPainter *, const QRectF &, int, const QString &, QRectF *);
    REAL(F, "_ZN8QPainter8drawTextERK6QRectFiRK7QStringPS0_");
    real(this, r, flags, s, br);
    logDraw(this, QString("%1,%2,%3,%4").arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height()), s);
}
// SOUND  Mix_PlayChannelTimed (SDL_mixer 1.2): when the client starts a sound effect (to check the audio's timing)
extern "C" int Mix_PlayChannelTimed(int channel, void *chunk, int loops, int ticks) {
    typedef int (*F)(int, void *, int, int);
    REAL(F, "Mix_PlayChannelTimed");
    int r = real(channel, chunk, loops, ticks);
    out("SOUND", 0, QString("channel %1 chunk %2").arg(r).arg((quintptr)chunk, 0, 16));
    return r;
}
