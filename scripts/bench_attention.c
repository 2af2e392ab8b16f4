// Time per call of the two attention products of one trie node and KV head (SmolLM2: 3 queries,
// 62 positions, head 64): OpenBLAS sgemm against CKernels/AttentionFMA.h, 90,000 calls each.
//   clang -O1 -I Sources/CKernels scripts/bench_attention.c -o /tmp/bench_attention -lopenblas && OPENBLAS_NUM_THREADS=1 /tmp/bench_attention
// (-O1: about the level Swift compiles the header at.)
#include <cblas.h>
#include <stdio.h>
#include <time.h>
#include "AttentionFMA.h"
static double now(){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+t.tv_nsec*1e-9;}
int main(){
  int q=3, vis=62, hd=64, stride=64; static float Q[3*64], K[64*64], KT[64*64], S[3*64], V[64*64], O[3*64];
  for(int i=0;i<64*64;i++){K[i]=(i%17)*0.01f; V[i]=(i%13)*0.01f;} for(int i=0;i<3*64;i++){Q[i]=(i%7)*0.1f; S[i]=0.01f;}
  for(int p=0;p<64;p++)for(int k=0;k<64;k++)KT[k*stride+p]=K[p*64+k];
  int N=90000; double t=now();
  for(int i=0;i<N;i++) cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasTrans,q,vis,hd,0.125f,Q,hd,K,hd,0,S,vis);
  double t1=now(); for(int i=0;i<N;i++) cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,q,hd,vis,1,S,vis,V,hd,0,O,hd);
  double t2=now(); for(int i=0;i<N;i++) pipe_attention_scores_fma(Q,q,KT,stride,vis,hd,0.125f,S);
  double t3=now(); for(int i=0;i<N;i++) pipe_attention_weighted_sum_fma(S,q,V,vis,hd,O);
  double t4=now();
  printf("per call us: blas QK %.3f PV %.3f | kernel QK %.3f PV %.3f\n",(t1-t)/N*1e6,(t2-t1)/N*1e6,(t3-t2)/N*1e6,(t4-t3)/N*1e6);
}
