/* LD_PRELOAD hook: logs every string the OpenArena cgame draws (ground-truth logging only).
   Appends to $OA_EVLOG (same file the instrumented engine writes RENDER/PRINT lines to). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *fp;
static void logw(const char *fmt, ...) __attribute__((format(printf,1,2)));
#include <stdarg.h>
static void logw(const char *fmt, ...) {
	va_list ap;
	if (!fp) { const char *p = getenv("OA_EVLOG"); if (!p) return; fp = fopen(p, "a"); if (!fp) return; }
	va_start(ap, fmt); vfprintf(fp, fmt, ap); va_end(ap); fflush(fp);
}
static void *orig(void *ret, const char *name) {
	Dl_info di; void *h, *f;
	if (!dladdr(ret, &di) || !di.dli_fname) return NULL;
	h = dlopen(di.dli_fname, RTLD_NOLOAD | RTLD_LAZY);
	if (!h) return NULL;
	f = dlsym(h, name);
	dlclose(h);
	return f;
}
static void esc(const char *s, char *out, int n) {
	int j = 0;
	for (; s && *s && j < n - 3; s++) { if (*s == '\n') { out[j++] = '\\'; out[j++] = 'n'; } else out[j++] = *s; }
	out[j] = 0;
}
#define GETORIG(T, name) static T o_##name; if (!o_##name) o_##name = (T)orig(__builtin_return_address(0), #name);

void CG_DrawStringExt(int x, int y, const char *string, const float *setColor, int forceColor, int shadow, int charWidth, int charHeight, int maxChars) {
	typedef void (*F)(int,int,const char*,const float*,int,int,int,int,int);
	char b[2048];
	GETORIG(F, CG_DrawStringExt);
	esc(string, b, sizeof b);
	logw("STR x=%d y=%d cw=%d ch=%d a=%.2f max=%d |%s\n", x, y, charWidth, charHeight, setColor ? setColor[3] : 1.0f, maxChars, b);
	if (o_CG_DrawStringExt) o_CG_DrawStringExt(x, y, string, setColor, forceColor, shadow, charWidth, charHeight, maxChars);
}
void UI_DrawProportionalString(int x, int y, const char *str, int style, float *color) {
	typedef void (*F)(int,int,const char*,int,float*);
	char b[2048];
	F o_UI_DrawProportionalString = (F)orig(__builtin_return_address(0), "UI_DrawProportionalString");
	esc(str, b, sizeof b);
	logw("PROP x=%d y=%d style=%d a=%.2f |%s\n", x, y, style, color ? color[3] : 1.0f, b);
	if (o_UI_DrawProportionalString) o_UI_DrawProportionalString(x, y, str, style, color);
}
void UI_DrawBannerString(int x, int y, const char *str, int style, float *color) {
	typedef void (*F)(int,int,const char*,int,float*);
	char b[2048];
	F o_UI_DrawBannerString = (F)orig(__builtin_return_address(0), "UI_DrawBannerString");
	esc(str, b, sizeof b);
	logw("BANNER x=%d y=%d style=%d a=%.2f |%s\n", x, y, style, color ? color[3] : 1.0f, b);
	if (o_UI_DrawBannerString) o_UI_DrawBannerString(x, y, str, style, color);
}
void CG_CenterPrint(const char *str, int y, int charWidth) {
	typedef void (*F)(const char*,int,int);
	char b[2048];
	GETORIG(F, CG_CenterPrint);
	esc(str, b, sizeof b);
	logw("CP y=%d cw=%d |%s\n", y, charWidth, b);
	if (o_CG_CenterPrint) o_CG_CenterPrint(str, y, charWidth);
}
void CG_DrawActiveFrame(int serverTime, int stereoView, int demoPlayback) {
	typedef void (*F)(int,int,int);
	GETORIG(F, CG_DrawActiveFrame);
	logw("CGFRAME T=%d\n", serverTime);
	if (o_CG_DrawActiveFrame) o_CG_DrawActiveFrame(serverTime, stereoView, demoPlayback);
}
