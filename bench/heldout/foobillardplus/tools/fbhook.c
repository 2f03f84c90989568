// fbhook.so: LD_PRELOAD on foobillardplus. Every text the game renders into a texture goes through
// FT_New_Face -> FT_Get_Char_Index per character -> FT_Done_Face. Log each such string with CLOCK_REALTIME
// (the clock ffmpeg x11grab stamps frames with) at FT_Done_Face, i.e. when the text is ready to be drawn.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ft2build.h>
#include FT_FREETYPE_H
static FILE *lf; static char buf[8192]; static int n; static double t0;
static double now(void){struct timespec ts; clock_gettime(CLOCK_REALTIME,&ts); return ts.tv_sec+ts.tv_nsec*1e-9;}
static void open_log(void){ if(!lf){ const char*p=getenv("FBHOOK_LOG"); lf=fopen(p?p:"/tmp/fbhook.log","a"); setvbuf(lf,NULL,_IOLBF,0);} }
static void put_utf8(unsigned long c){ if(n>8000) return;
  if(c<0x80) buf[n++]=c; else if(c<0x800){buf[n++]=0xC0|(c>>6);buf[n++]=0x80|(c&63);}
  else {buf[n++]=0xE0|(c>>12);buf[n++]=0x80|((c>>6)&63);buf[n++]=0x80|(c&63);} }
FT_Error FT_New_Face(FT_Library lib,const char*path,FT_Long idx,FT_Face*f){
  static FT_Error(*r)(FT_Library,const char*,FT_Long,FT_Face*); if(!r) r=dlsym(RTLD_NEXT,"FT_New_Face");
  open_log(); n=0; t0=now(); return r(lib,path,idx,f);}
FT_UInt FT_Get_Char_Index(FT_Face f,FT_ULong c){
  static FT_UInt(*r)(FT_Face,FT_ULong); if(!r) r=dlsym(RTLD_NEXT,"FT_Get_Char_Index");
  put_utf8(c); return r(f,c);}
FT_Error FT_Set_Pixel_Sizes(FT_Face f,FT_UInt w,FT_UInt h){
  static FT_Error(*r)(FT_Face,FT_UInt,FT_UInt); if(!r) r=dlsym(RTLD_NEXT,"FT_Set_Pixel_Sizes");
  open_log(); fprintf(lf,"%.6f size %u %u\n",now(),w,h); return r(f,w,h);}
FT_Error FT_Done_Face(FT_Face f){
  static FT_Error(*r)(FT_Face); if(!r) r=dlsym(RTLD_NEXT,"FT_Done_Face");
  open_log(); buf[n]=0; fprintf(lf,"%.6f text %.6f \"%s\"\n",now(),t0,buf); n=0; return r(f);}
// Every finished frame: SDL_GL_SwapBuffers (SDL 1.2 API, sdl12-compat). Logged as "swap" so that the onset of a
// text can be put on the first frame the game showed after the text was made.
void SDL_GL_SwapBuffers(void){
  static void(*r)(void); if(!r) r=dlsym(RTLD_NEXT,"SDL_GL_SwapBuffers");
  r(); open_log(); fprintf(lf,"%.6f swap\n",now());}
