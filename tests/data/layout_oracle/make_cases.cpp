// Writes the single-op .tflite models of the layout-op oracle cases (pools, MEAN, resize,
// transpose, concatenation, split, strided slice, pad, reshape, squeeze) to
// /tmp/lay/models; record.py then runs them through the oracle. Not built by CMake.
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>
#include "tflite_schema_generated.h"
using namespace tflite;
namespace fb = flatbuffers;
struct TensorSpec { std::string name; TensorType type; std::vector<int> shape; bool quant=false; float scale=0; int64_t zp=0; std::vector<uint8_t> data; };
template<typename V> std::vector<uint8_t> raw(const std::vector<V>& v){ std::vector<uint8_t> b(v.size()*sizeof(V)); memcpy(b.data(),v.data(),b.size()); return b; }
struct Spec { std::string file; BuiltinOperator op; std::vector<TensorSpec> tensors; std::vector<int> opIn, opOut; BuiltinOptions optType=BuiltinOptions::NONE; std::function<fb::Offset<void>(fb::FlatBufferBuilder&)> options; };
void write(const Spec& s){
  fb::FlatBufferBuilder b;
  std::vector<fb::Offset<Buffer>> buffers{CreateBuffer(b)};
  std::vector<fb::Offset<Tensor>> tensors; std::vector<int> inputs;
  for(size_t i=0;i<s.tensors.size();++i){ const auto& t=s.tensors[i]; uint32_t buf=0;
    if(!t.data.empty()){ b.ForceVectorAlignment(t.data.size(),1,16); auto d=b.CreateVector(t.data); buffers.push_back(CreateBuffer(b,d)); buf=buffers.size()-1; }
    fb::Offset<QuantizationParameters> q=0; if(t.quant){ q=CreateQuantizationParameters(b,0,0,b.CreateVector(std::vector<float>{t.scale}),b.CreateVector(std::vector<int64_t>{t.zp})); }
    tensors.push_back(CreateTensor(b,b.CreateVector(t.shape),t.type,buf,b.CreateString(t.name),q));
  }
  for(int i: s.opIn) if(i>=0 && s.tensors[i].data.empty()) inputs.push_back(i);
  auto opts = s.options? s.options(b) : fb::Offset<void>();
  auto op=CreateOperator(b,0,b.CreateVector(s.opIn),b.CreateVector(s.opOut),s.optType,opts);
  auto sg=CreateSubGraph(b,b.CreateVector(tensors),b.CreateVector(inputs),b.CreateVector(s.opOut),b.CreateVector(std::vector<fb::Offset<Operator>>{op}),b.CreateString("main"));
  int8_t dep = (int)s.op < 127 ? (int8_t)s.op : 127;
  auto code=CreateOperatorCode(b,dep,0,1,s.op);
  auto model=CreateModel(b,3,b.CreateVector(std::vector<fb::Offset<OperatorCode>>{code}),b.CreateVector(std::vector<fb::Offset<SubGraph>>{sg}),b.CreateString("layout test"),b.CreateVector(buffers));
  FinishModelBuffer(b,model);
  std::ofstream f("/tmp/lay/models/"+s.file+".tflite",std::ios::binary); f.write((const char*)b.GetBufferPointer(),b.GetSize());
}
TensorSpec act(const char* n, TensorType t, std::vector<int> s, float sc=0, int64_t zp=0){ TensorSpec x{n,t,s}; if(sc>0){x.quant=true;x.scale=sc;x.zp=zp;} return x; }
TensorSpec ints(const char* n, std::vector<int> shape, std::vector<int32_t> v){ TensorSpec x{n,TensorType::INT32,shape}; x.data=raw(v); return x; }
int main(){
  auto pool=[&](std::string f, BuiltinOperator op, TensorType t, std::vector<int> in, std::vector<int> out, int fh,int fw,int sh,int sw,Padding p, ActivationFunctionType a, float sc, int zp){
    write({f,op,{act("x",t,in,sc,zp),act("y",t,out,sc,zp)},{0},{1},BuiltinOptions::Pool2DOptions,[=](fb::FlatBufferBuilder& b){return CreatePool2DOptions(b,p,sw,sh,fw,fh,a).Union();}}); };
  pool("avg_f32_same",BuiltinOperator::AVERAGE_POOL_2D,TensorType::FLOAT32,{1,9,11,5},{1,5,6,5},3,3,2,2,Padding::SAME,ActivationFunctionType::NONE,0,0);
  pool("avg_f32_valid_relu6",BuiltinOperator::AVERAGE_POOL_2D,TensorType::FLOAT32,{2,8,8,7},{2,3,3,7},3,3,2,2,Padding::VALID,ActivationFunctionType::RELU6,0,0);
  pool("avg_f32_global7x7",BuiltinOperator::AVERAGE_POOL_2D,TensorType::FLOAT32,{1,7,7,9},{1,1,1,9},7,7,1,1,Padding::VALID,ActivationFunctionType::NONE,0,0);
  pool("avg_f32_same4x5",BuiltinOperator::AVERAGE_POOL_2D,TensorType::FLOAT32,{1,9,11,6},{1,5,4,6},4,5,2,3,Padding::SAME,ActivationFunctionType::NONE,0,0);
  pool("avg_s8_same_relu",BuiltinOperator::AVERAGE_POOL_2D,TensorType::INT8,{1,9,11,20},{1,5,6,20},3,3,2,2,Padding::SAME,ActivationFunctionType::RELU,0.05f,-7);
  pool("avg_u8_valid",BuiltinOperator::AVERAGE_POOL_2D,TensorType::UINT8,{1,8,8,16},{1,4,4,16},2,2,2,2,Padding::VALID,ActivationFunctionType::NONE,0.1f,120);
  pool("avg_s16_same",BuiltinOperator::AVERAGE_POOL_2D,TensorType::INT16,{1,7,7,4},{1,4,4,4},3,3,2,2,Padding::SAME,ActivationFunctionType::NONE,0.001f,0);
  pool("max_s8_same_relu",BuiltinOperator::MAX_POOL_2D,TensorType::INT8,{1,9,11,20},{1,5,6,20},3,3,2,2,Padding::SAME,ActivationFunctionType::RELU,0.05f,-7);
  pool("max_f32_same",BuiltinOperator::MAX_POOL_2D,TensorType::FLOAT32,{1,9,11,5},{1,5,6,5},3,3,2,2,Padding::SAME,ActivationFunctionType::NONE,0,0);
  auto mean=[&](std::string f, TensorType t, std::vector<int> in, std::vector<int> out, std::vector<int32_t> axes, bool keep, float si, int zi, float so, int zo){
    write({f,BuiltinOperator::MEAN,{act("x",t,in,si,zi),ints("axes",{(int)axes.size()},axes),act("y",t,out,so,zo)},{0,1},{2},BuiltinOptions::ReducerOptions,[=](fb::FlatBufferBuilder& b){return CreateReducerOptions(b,keep).Union();}}); };
  mean("mean_s8_hw_keep",TensorType::INT8,{1,7,7,24},{1,1,1,24},{1,2},true,0.07f,-5,0.02f,3);
  mean("mean_s8_hw_nokeep",TensorType::INT8,{2,5,6,24},{2,24},{1,2},false,0.07f,-5,0.02f,3);
  mean("mean_s8_c",TensorType::INT8,{1,4,5,24},{1,4,5},{3},false,0.07f,-5,0.02f,3);
  mean("mean_s8_c_same",TensorType::INT8,{1,4,5,24},{1,4,5,1},{-1},true,0.07f,-5,0.07f,-5);
  mean("mean_u8_hw_keep",TensorType::UINT8,{1,9,9,16},{1,1,1,16},{1,2},true,0.03f,130,0.01f,120);
  mean("mean_f32_hw",TensorType::FLOAT32,{1,7,7,40},{1,40},{1,2},false,0,0,0,0);
  mean("mean_f32_c",TensorType::FLOAT32,{1,3,4,37},{1,3,4},{3},false,0,0,0,0);
  mean("mean_s16_hw_keep",TensorType::INT16,{1,5,6,8},{1,1,1,8},{1,2},true,0.002f,0,0.003f,0);
  mean("mean_s16_w",TensorType::INT16,{1,4,5,6},{1,4,6},{2},false,0.002f,0,0.003f,0);
  auto resize=[&](std::string f, BuiltinOperator op, TensorType t, std::vector<int> in, int oh,int ow, bool align, bool half, float sc, int zp){
    BuiltinOptions ot = op==BuiltinOperator::RESIZE_BILINEAR? BuiltinOptions::ResizeBilinearOptions : BuiltinOptions::ResizeNearestNeighborOptions;
    write({f,op,{act("x",t,in,sc,zp),ints("size",{2},{oh,ow}),act("y",t,{in[0],oh,ow,in[3]},sc,zp)},{0,1},{2},ot,[=](fb::FlatBufferBuilder& b){ return op==BuiltinOperator::RESIZE_BILINEAR? CreateResizeBilinearOptions(b,align,half).Union() : CreateResizeNearestNeighborOptions(b,align,half).Union();}}); };
  resize("rb_f32_2x",BuiltinOperator::RESIZE_BILINEAR,TensorType::FLOAT32,{1,5,6,3},10,12,false,false,0,0);
  resize("rb_f32_half",BuiltinOperator::RESIZE_BILINEAR,TensorType::FLOAT32,{1,5,6,3},7,9,false,true,0,0);
  resize("rb_f32_align",BuiltinOperator::RESIZE_BILINEAR,TensorType::FLOAT32,{1,5,6,3},9,11,true,false,0,0);
  resize("rb_f32_plain",BuiltinOperator::RESIZE_BILINEAR,TensorType::FLOAT32,{1,5,6,3},8,4,false,false,0,0);
  resize("rb_u8_half",BuiltinOperator::RESIZE_BILINEAR,TensorType::UINT8,{1,5,6,3},7,9,false,true,0.1f,100);
  resize("rb_u8_plain",BuiltinOperator::RESIZE_BILINEAR,TensorType::UINT8,{1,5,6,3},10,12,false,false,0.1f,100);
  resize("rb_s8_half",BuiltinOperator::RESIZE_BILINEAR,TensorType::INT8,{1,5,6,3},7,9,false,true,0.1f,-10);
  resize("rb_s8_align",BuiltinOperator::RESIZE_BILINEAR,TensorType::INT8,{1,5,6,3},9,11,true,false,0.1f,-10);
  resize("rb_s16_half",BuiltinOperator::RESIZE_BILINEAR,TensorType::INT16,{1,5,6,3},7,9,false,true,0.001f,0);
  resize("rn_u8_plain",BuiltinOperator::RESIZE_NEAREST_NEIGHBOR,TensorType::UINT8,{1,5,6,3},11,7,false,false,0.1f,100);
  resize("rn_s8_align",BuiltinOperator::RESIZE_NEAREST_NEIGHBOR,TensorType::INT8,{1,5,6,3},9,11,true,false,0.1f,-10);
  resize("rn_f32_half",BuiltinOperator::RESIZE_NEAREST_NEIGHBOR,TensorType::FLOAT32,{1,5,6,3},7,13,false,true,0,0);
  resize("rn_f32_plain",BuiltinOperator::RESIZE_NEAREST_NEIGHBOR,TensorType::FLOAT32,{1,5,6,3},10,12,false,false,0,0);
  write({"transpose_f32",BuiltinOperator::TRANSPOSE,{act("x",TensorType::FLOAT32,{2,3,4,5}),ints("perm",{4},{0,3,1,2}),act("y",TensorType::FLOAT32,{2,5,3,4})},{0,1},{2},BuiltinOptions::TransposeOptions,[](fb::FlatBufferBuilder& b){return CreateTransposeOptions(b).Union();}});
  write({"transpose_s8",BuiltinOperator::TRANSPOSE,{act("x",TensorType::INT8,{3,4,5},0.1f,2),ints("perm",{3},{2,1,0}),act("y",TensorType::INT8,{5,4,3},0.1f,2)},{0,1},{2},BuiltinOptions::TransposeOptions,[](fb::FlatBufferBuilder& b){return CreateTransposeOptions(b).Union();}});
  write({"concat_s8",BuiltinOperator::CONCATENATION,{act("a",TensorType::INT8,{1,3,3,2},0.1f,2),act("b",TensorType::INT8,{1,3,3,5},0.1f,2),act("c",TensorType::INT8,{1,3,3,1},0.1f,2),act("y",TensorType::INT8,{1,3,3,8},0.1f,2)},{0,1,2},{3},BuiltinOptions::ConcatenationOptions,[](fb::FlatBufferBuilder& b){return CreateConcatenationOptions(b,3).Union();}});
  write({"concat_u8_rescale",BuiltinOperator::CONCATENATION,{act("a",TensorType::UINT8,{1,4,3},0.1f,100),act("b",TensorType::UINT8,{1,2,3},0.05f,20),act("y",TensorType::UINT8,{1,6,3},0.08f,110)},{0,1},{2},BuiltinOptions::ConcatenationOptions,[](fb::FlatBufferBuilder& b){return CreateConcatenationOptions(b,1).Union();}});
  write({"concat_f32",BuiltinOperator::CONCATENATION,{act("a",TensorType::FLOAT32,{2,3,4}),act("b",TensorType::FLOAT32,{2,1,4}),act("y",TensorType::FLOAT32,{2,4,4})},{0,1},{2},BuiltinOptions::ConcatenationOptions,[](fb::FlatBufferBuilder& b){return CreateConcatenationOptions(b,-2).Union();}});
  write({"splitv_f32",BuiltinOperator::SPLIT_V,{act("x",TensorType::FLOAT32,{2,7,3}),ints("sizes",{3},{2,-1,1}),ints("axis",{},{1}),act("y0",TensorType::FLOAT32,{2,2,3}),act("y1",TensorType::FLOAT32,{2,4,3}),act("y2",TensorType::FLOAT32,{2,1,3})},{0,1,2},{3,4,5},BuiltinOptions::SplitVOptions,[](fb::FlatBufferBuilder& b){return CreateSplitVOptions(b,3).Union();}});
  write({"split_s8",BuiltinOperator::SPLIT,{ints("axis",{},{-1}),act("x",TensorType::INT8,{2,3,6},0.1f,0),act("y0",TensorType::INT8,{2,3,2},0.1f,0),act("y1",TensorType::INT8,{2,3,2},0.1f,0),act("y2",TensorType::INT8,{2,3,2},0.1f,0)},{0,1},{2,3,4},BuiltinOptions::SplitOptions,[](fb::FlatBufferBuilder& b){return CreateSplitOptions(b,3).Union();}});
  write({"ss_f32_masks",BuiltinOperator::STRIDED_SLICE,{act("x",TensorType::FLOAT32,{3,5,7}),ints("b",{3},{-1,1,6}),ints("e",{3},{0,-1,0}),ints("s",{3},{-1,2,-3}),act("y",TensorType::FLOAT32,{2,2,2})},{0,1,2,3},{4},BuiltinOptions::StridedSliceOptions,[](fb::FlatBufferBuilder& b){return CreateStridedSliceOptions(b,0,0,0,0,0).Union();}});
  write({"ss_s8_shrink_newaxis",BuiltinOperator::STRIDED_SLICE,{act("x",TensorType::INT8,{3,5,7},0.1f,1),ints("b",{4},{1,0,0,2}),ints("e",{4},{2,0,0,7}),ints("s",{4},{1,1,1,2}),act("y",TensorType::INT8,{1,5,3},0.1f,1)},{0,1,2,3},{4},BuiltinOptions::StridedSliceOptions,[](fb::FlatBufferBuilder& b){return CreateStridedSliceOptions(b,/*begin*/4,/*end*/4,0,/*newaxis*/2,/*shrink*/1).Union();}});
  write({"pad_f32",BuiltinOperator::PAD,{act("x",TensorType::FLOAT32,{1,4,5,3}),ints("p",{4,2},{0,0,1,2,0,1,0,0}),act("y",TensorType::FLOAT32,{1,7,6,3})},{0,1},{2},BuiltinOptions::PadOptions,[](fb::FlatBufferBuilder& b){return CreatePadOptions(b).Union();}});
  write({"pad_u8",BuiltinOperator::PAD,{act("x",TensorType::UINT8,{1,4,5,3},0.1f,77),ints("p",{4,2},{0,0,1,1,2,2,0,0}),act("y",TensorType::UINT8,{1,6,9,3},0.1f,77)},{0,1},{2},BuiltinOptions::PadOptions,[](fb::FlatBufferBuilder& b){return CreatePadOptions(b).Union();}});
  { TensorSpec v=act("v",TensorType::INT8,{},0.1f,-3); v.data={0xF0};
  write({"padv2_s8",BuiltinOperator::PADV2,{act("x",TensorType::INT8,{1,4,5,3},0.1f,-3),ints("p",{4,2},{0,0,1,1,0,3,0,0}),v,act("y",TensorType::INT8,{1,6,8,3},0.1f,-3)},{0,1,2},{3},BuiltinOptions::PadV2Options,[](fb::FlatBufferBuilder& b){return CreatePadV2Options(b).Union();}}); }
  write({"reshape_f32",BuiltinOperator::RESHAPE,{act("x",TensorType::FLOAT32,{2,3,4}),ints("shape",{2},{-1,6}),act("y",TensorType::FLOAT32,{4,6})},{0,1},{2},BuiltinOptions::ReshapeOptions,[](fb::FlatBufferBuilder& b){return CreateReshapeOptions(b).Union();}});
  write({"squeeze_f32",BuiltinOperator::SQUEEZE,{act("x",TensorType::FLOAT32,{1,3,1,4}),act("y",TensorType::FLOAT32,{3,4})},{0},{1},BuiltinOptions::SqueezeOptions,[](fb::FlatBufferBuilder& b){return CreateSqueezeOptions(b).Union();}});
  printf("ok\n");
}
