/**
 * RespWriter: every reply type in RESP2 and RESP3, byte for byte as Redis
 * 7.0 sends it; doubles formatted like C's %.17g; values larger than the
 * batch buffer; many replies in one batch.
 */
import { describe, expect, it } from 'vitest';
import { ReplyError } from '../../src/errors.js';
import { formatDouble, intToString } from '../../src/resp/format.js';
import {
  BigNumberReply,
  DoubleReply,
  EMPTY_ARRAY,
  MapReply,
  NO_REPLY,
  NULL_ARRAY,
  OK,
  PONG,
  PushReply,
  QUEUED,
  RawReply,
  SetReply,
  SimpleString,
  StreamIdReply,
  VerbatimReply,
  reply,
  type Reply,
} from '../../src/resp/reply.js';
import { RespWriter, encodeReply } from '../../src/resp/writer.js';

const enc = (r: Reply, proto: 2 | 3) => encodeReply(r, proto).latin1Slice();
const bulk = (s: string) => `$${s.length}\r\n${s}\r\n`;

/**
 * glibc printf("%.17g") of these doubles (IEEE-754 bits in hex), produced by
 * a C program: `printf("%016lx %.17g\n", bits, d)`. Includes exact ties
 * (m/4 with odd m near 1e16: glibc rounds half to even), subnormals, the
 * extremes, random bit patterns and random decimals.
 */
const PRINTF_17G = [
  "3ff0000000000000 1", "bff0000000000000 -1", "3fb999999999999a 0.10000000000000001",
  "bfb999999999999a -0.10000000000000001", "3ff8000000000000 1.5", "3fe0000000000000 0.5",
  "7e37e43c8800759c 1.0000000000000001e+300", "fe37e43c8800759c -1.0000000000000001e+300", "01a56e1fc2f8f359 1e-300",
  "0000000000000001 4.9406564584124654e-324", "8000000000000001 -4.9406564584124654e-324", "0010000000000000 2.2250738585072014e-308",
  "000fffffffffffff 2.2250738585072009e-308", "7fefffffffffffff 1.7976931348623157e+308", "ffefffffffffffff -1.7976931348623157e+308",
  "3ee4f8b588e368f1 1.0000000000000001e-05", "3f1a36e2eb1c432d 0.0001", "3f202c9dedbc309d 0.00012339999999999999",
  "3ee9e0fcaf9380fc 1.234e-05", "430c6bf526340000 1000000000000000", "4341c37937e08000 10000000000000000",
  "4376345785d8a000 1e+17", "43abc16d674ec800 1e+18", "4340000000000000 9007199254740992",
  "433fffffffffffff 9007199254740991", "4340000000000001 9007199254740994", "43b0000000000000 1.152921504606847e+18",
  "43e0000000000000 9.2233720368547758e+18", "43f0000000000000 1.8446744073709552e+19", "437b69b4ba630f35 1.2345678901234568e+17",
  "400921f9f01b866e 3.1415899999999999", "3fd5555555555555 0.33333333333333331", "3fe5555555555555 0.66666666666666663",
  "bfe5555555555555 -0.66666666666666663", "4059000000000000 100", "444b1ae4d6e2ef50 1e+21",
  "4480f0cf064dd592 1e+22", "44b52d02c7e14af6 9.9999999999999992e+22", "3fd3333333333333 0.29999999999999999",
  "3fe6666666666666 0.69999999999999996", "4028ae147ae147ae 12.34", "4058ff5c28f5c28f 99.989999999999995",
  "4132d687e4189375 1234567.8910000001", "3ff0000000000001 1.0000000000000002", "3fefffffffffffff 0.99999999999999989",
  "4011666666666666 4.3499999999999996", "4005666666666666 2.6749999999999998", "3e7ad7f29abcaf48 9.9999999999999995e-08",
  "3c36b082c2148b8e 1.23e-18", "44dfe185ca57c517 6.0221407599999999e+23", "3c07a4da290c1653 1.6021766339999999e-19",
  "41b1de784a800000 299792458.5", "3f1a36e2eb1c42e3 9.9999999999999002e-05", "4376345785d8a000 1e+17",
  "54b249ad2594c37d 1e+100", "3de49da7e361ce4c 1.5e-10", "430c6bf526340002 1000000000000000.2",
  "c30c6bf526340002 -1000000000000000.2", "430c6bf526340003 1000000000000000.4", "430c6bf526340006 1000000000000000.8",
  "c30c6bf526340006 -1000000000000000.8", "430c6bf526340007 1000000000000000.9", "430c6bf52634000a 1000000000000001.2",
  "c30c6bf52634000a -1000000000000001.2", "430c6bf52634000b 1000000000000001.4", "430ff973cafa800e 1125000000000001.8",
  "c30ff973cafa800e -1125000000000001.8", "430ff973cafa800f 1125000000000001.9", "431ff973cafa7fff 2249999999999999.8",
  "c31ff973cafa7fff -2249999999999999.8", "431ff973cafa8000 2250000000000000", "4311c37937e0800b 1250000000000002.8",
  "c311c37937e0800b -1250000000000002.8", "4311c37937e0800c 1250000000000003", "a7b82cfc4e085000 -2.3967415462775416e-117",
  "a1ea7000fef21000 -2.646505112621825e-145", "adf13000ac51d000 -2.1600024155222053e-87", "2c35f000e2179080 1.0270433812196852e-95",
  "b50fe600d3d94e00 -4.1629419827416937e-53", "bd4a960056763e00 -1.8890448425800241e-13", "cb3cc6003134ae00 -2.7559480724236784e+54",
  "947276803bd7d400 -3.509965243766935e-210", "357da480c99e6b00 4.9517293030238777e-51", "df0df000d80f9000 -7.6560291780747709e+149",
  "1c80b000786b5080 2.1590561714244407e-171", "bb38a6005db30e00 -2.0388714249463708e-23", "478156005e45fe00 2.8804276159107968e+36",
  "eb318600deea6e00 -2.2503840967464374e+208", "6b5536006dbc5e00 1.0895746899858974e+209", "d1d866002c37ce00 -1.8959236268102716e+86",
  "28871680515ff500 1.8750635475961644e-113", "6081b1008126bd00 7.5904985671725224e+156", "f914d80077b05800 -1.8041475730993965e+275",
  "c0e5d80039ad5800 -44736.007040664554", "6f9ed880df998e00 4.6766145373652877e+229", "d1a5d6004ed07e00 -2.1210002819960956e+85",
  "892a0600d8b8ee00 -1.6141307036678752e-264", "b341b6001c6ede00 -8.6105816557935518e-62", "96d8e68017958400 -1.3012149821973674e-198",
  "b0e19480664b9a00 -3.1093672049937012e-73", "b31cf200410f6a00 -1.75905416056776e-62", "61dc8200667fba00 2.565084367884416e+163",
  "6b0e9200f1b08a00 4.9073508935360798e+207", "6e37220005d5da00 8.3619054574608278e+222", "407a32702205fa00 419.15237619719119",
  "aab7d28001680000 -6.647595052967837e-103", "4948607047d39000 1.0872377426259242e+45", "6af4b00037cf5000 1.6604473718452632e+207",
  "cda570807ab84600 -1.1289193555195715e+66", "89ca2e00d919f600 -1.6627940030241132e-261", "9d021e00b30b2600 -6.0007215667640813e-169",
  "05538e008dd7d670 5.2601139484085942e-283", "72dcce0082c81600 1.9667980693814587e+245", "a9e5be004ab64600 -7.4061904136319756e-107",
  "7cf02e00f447f600 6.4584203136369638e+293", "33981e0084e92680 3.752041889271914e-60", "e800c4009c0bd400 -9.5615263644300765e+192",
  "03a1a400a3cb3470 3.5354802042217261e-291", "a61fd4006625a400 -4.7018952605380213e-125", "cdff3400af818400 -5.2577179242223457e+67",
  "485d9400caf06400 4.0259674000703322e+40", "fed2f4007e2a4400 -8.1233778513399122e+302", "30b7540091a72480 5.15752178047954e-74",
  "ac49ea00dcc50200 -2.4264263053187216e-95", "927e3a00b16b1200 -1.3379259768592756e-219", "16130a00ef27a280 2.4290072282033477e-202",
  "166390003e44b080 7.9865154856509729e-201", "74068700cde9db00 8.0644848086432063e+250", "4f4ca000dc608000 1.0115204087536643e+74",
  "3c16e000cdfdc080 3.1001422509345513e-19", "68b256006e22fe00 2.1416103926539542e+196", "024a8600528f6e70 1.2673722290668507e-297",
  "b5588600d3856e00 -1.0241470627722563e-51", "cb543600ff4f5e00 -7.7432987291176698e+54", "976f6800dc1fa800 -8.4028980865104826e-196",
  "4eaae80001752800 9.2850056621486291e+70", "411268708748f800 301596.13211429119", "a5a1f800af86f800 -2.0738147641994298e-127",
  "ac07f8007cf4f800 -1.4026745624463895e-96", "a7ddf800eb12f800 -1.1884215624600905e-116", "aea3f8002160f800 -5.1395150427956454e-84",
  "91d9f88036862e00 -1.1226050187368639e-222", "ad25f68071455400 -3.3693098746817697e-91", "521d2400af60b400 3.6230787836717484e+87",
  "5b050400605b1400 2.913470123232381e+130", "3edfe40054cc7400 7.603318704221991e-06", "1e65c4008b0cd480 3.0237344893161683e-162",
  "f835da00b35a3200 -1.1544066613110101e+271", "84a3aa00d37bc200 -2.582781437874804e-286", "cccdfa0051dfd200 -9.6340973118714369e+61",
  "7a48ca007a8a6200 1.1249318220203813e+281", "22c81a00e31f7280 3.9529150834361564e-141", "5847200002090000 1.8223427961425469e+117",
  "9bd5607063dc9000 -1.3504654862274073e-174", "18c9b00021805080 2.8826678799012565e-189", "1f29a7001f9e7b80 1.4596857780280138e-158",
  "c51bf600b5dc1e00 -8.4506780971907304e+24", "b3dd26005abd8e00 -7.2556482218313362e-59", "37f9d60078947e80 4.7453135981062508e-39",
  "ecc53c005042ec00 -9.1501136649162267e+215", "1866dc00e2d40c80 4.0082737176638235e-191", "5b18b200fbc02a00 6.8471986160908884e+130",
  "399e40003fe1a080 3.7286008416597652e-31", "94f8b600f959de00 -1.2026312481646826e-207", "40e7e800bb6e2800 48960.022879675031",
  "4e176800d1a7a800 1.5775789714511031e+68", "4992e800863d2800 2.6983913110003996e+46", "ba3a6800868ea800 -3.3329383368550205e-28",
  "b1ede800aefc2800 -3.466515160334728e-68", "458d680022e5a800 1.137599276724588e+27", "c4f8e88007d25e00 -1.8820106526021594e+24",
  "213666807e650500 1.0949086542703933e-148", "768980005d8be000 1.0037059701698766e+263", "b2cec000a0882000 -5.839775980797156e-64",
  "93b60000587e6000 -1.0210943478040352e-213", "6f0f40006efea000 9.2537308989599707e+226", "972a80005018e000 -4.4313780374739314e-197",
  "eed7c000ee5d2000 -8.7910477518269922e+225", "9d67000066db6000 -4.875513540776938e-167", "e2a840004523a000 -1.7874727412984072e+167",
  "0aeb80006745e080 4.5787453399432283e-256", "6627f600eff81e00 1.2726571846773109e+184", "f9c9260008399000 -4.4579687730420985e+278",
  "6a62b08060cc8600 2.9298393044573401e+204", "2be96e00e5e83680 3.7204259634829317e-97", "4b7a9400f4496400 4.0730880361162822e+55",
  "b7b7f400fdab4400 -2.7496856343105037e-40", "c8a4540077902400 -8.8541502913170456e+41", "ab57b400e5300400 -6.7730971557326414e-100",
  "4eaa1400c882e400 8.9992343217729331e+70", "99337400a040c400 -2.7942952749107207e-187", "8f4bd40015e1a400 -5.4701263886934761e-235",
  "e90b3480bec4ba00 -1.0168041907909994e+198", "066f9200a7fd8a70 1.113097043842195e-277", "49c27200d286ea00 2.1060838093218041e+47",
  "babe0200f3833a00 -9.6960518481346545e-26", "868c1200e3200a00 -3.9587808353104274e-277", "33b0a2001f915a80 1.035062580104428e-59",
  "3976e900e89f9580 7.0597412250110725e-32", "cc80080044f3c800 -3.2201540157927976e+60", "52bc8800dbb64800 3.6324505860329326e+90",
  "c68d0800b27cc800 -7.3602989948008905e+31", "b411880032e74800 -6.9822243501529151e-58", "d46a0880d2bcfe00 -4.4485288966866495e+98",
  "c3dc860039b96e00 -8.2213221114613596e+18", "2778368015ca9500 1.5002663919916697e-118", "3ea7d18058499400 7.098425816696877e-07",
  "7a6c64007e9ef400 5.1534851855539239e+281", "1006440053635480 1.7927029385948009e-231", "a00a5a00e7d4b200 -2.4567379373165503e-154",
  "2fcc2a000aba4280 1.9002312224085686e-78", "4091b100c7f6bd00 1132.2507628014428", "7fa4d800a3005800 7.318492919046987e+306",
  "91f5d8001d7d5800 -3.7768561235537924e-222", "40202fa97e132b56 8.0930900000000001", "c0837c5810624dd3 -623.54300000000001",
  "3fe2ca36199780bb 0.58718400000000004", "4119d2bc00000000 423087", "bf4a1726fcddd06f -0.000796217",
  "3f601ec694a46753 0.0019678", "401044039abf3387 4.0664199999999999", "401af8f47304039b 6.7431200000000002",
  "3fe0ebb7739f340d 0.52877399999999997", "c0866cb020c49ba6 -717.58600000000001", "40b3156666666666 4885.3999999999996",
  "c07ee91eb851eb85 -494.56999999999999", "3eb1230d283619e2 1.0214399999999999e-06", "3ed898dcbf0afdc2 5.86441e-06",
  "3f47a282902c7746 0.00072127699999999999", "bf7a8bf516420bbe -0.0064811299999999999", "4053da43fe5c91d1 79.410399999999996",
  "3f0a00be332f6bf9 4.9596599999999999e-05", "bf354a3f13663945 -0.00032486", "3eb9ba810fc8ec8c 1.5335400000000001e-06",
  "411b20fc00000000 444479", "3fa67825ab8b33a5 0.043885399999999998", "3f49d110c30a9afd 0.00078786199999999996",
  "bf620ec5eb87221e -0.0022043100000000001", "3ec5b0bf9ba3ef65 2.5857000000000001e-06", "bfb60d6bf94d5e58 -0.086142300000000005",
  "40cd9c4ccccccccd 15160.6", "bfad1bb7ec6af7c6 -0.056852100000000003", "c071545a1cac0831 -277.27199999999999",
  "c0d1ba4ccccccccd -18153.200000000001", "40f49dc800000000 84444.5", "412bf57200000000 916153",
  "c050fa6cf41f212d -67.912899999999993", "4095381eb851eb85 1358.03", "bfb4fdfc19c17226 -0.082000500000000004",
  "40b2cf147ae147ae 4815.0799999999999", "4030b6c8b4395810 16.713999999999999", "400e992b7fe08af0 3.8247900000000001",
  "40f2db0000000000 77232", "3fb4ef240fa9c12f 0.081773999999999999", "c0bf702147ae147b -8048.1300000000001",
  "3ec2f2dd6af241c7 2.2588599999999998e-06", "3ecda5d9f9181fd6 3.5343000000000002e-06", "402245e353f7ced9 9.1364999999999998",
  "401391e108c3f3e0 4.8924599999999998", "bfe4b393ab430f49 -0.64692099999999997", "3f0d7f35cde9c3ae 5.6260900000000002e-05",
  "4055c1c5d6388659 87.027699999999996", "3fc24bba12b5e52a 0.14293600000000001", "3f3ee4fb1f791faf 0.00047141199999999999",
  "3f3a73379eec8390 0.00040359599999999999", "40485690ff972474 48.676299999999998", "3fea4c6c54bcf0b7 0.82182900000000003",
  "bee4339e520d0080 -9.6328899999999999e-06", "bf7862e82ca4a3b9 -0.0059537000000000001", "40e6d67666666666 46771.699999999997",
  "c110c9a000000000 -275048", "c0c0330a3d70a3d7 -8294.0799999999999", "408788978d4fdf3b 753.07399999999996",
  "3ec1f9594a2c9f9f 2.1426699999999998e-06", "c001ce4b87bdcf03 -2.22573", "3f7024a5d1b64099 0.0039411999999999997",
  "3fb2f95ba1108660 0.0741174", "3f4e65305b6784c9 0.00092758999999999995", "40f2143b33333333 74051.699999999997",
  "c004c18e757928e1 -2.5945100000000001", "3feeb4245f5ad96a 0.95948999999999995", "402057fcb923a29c 8.1718499999999992",
  "4121b9c400000000 580834", "4103424800000000 157769", "40e2c80000000000 38464",
  "3fde02107b784663 0.46887600000000001", "41204af400000000 533882", "bf5ddc1e7967caea -0.0018224999999999999",
  "c041f3886594af4f -35.9026", "406108fdf3b645a2 136.28100000000001", "3f0e9cf240591e70 5.8389800000000001e-05",
  "412ac2f600000000 876923", "4011e41b328b6d87 4.4727600000000001", "3f14cce314843ddf 7.9346999999999998e-05",
  "40b7756b851eb852 6005.4200000000001", "bfdf90cd423d9232 -0.49321300000000001", "407402dd2f1a9fbe 320.17899999999997",
  "40a1b78a3d70a3d7 2267.77", "3f150cc498fd90b0 8.0298900000000005e-05", "40f47c7000000000 83911",
  "3f858339dbc3e095 0.0105042", "3fc104d551d68c69 0.13295999999999999", "bfb6c19b4062c69f -0.088891700000000004",
  "408ae8fbe76c8b44 861.12300000000005", "3f116f4195f25133 6.65077e-05", "3ec14e0b44ba6bb8 2.0629000000000002e-06",
  "c087dce978d4fdf4 -763.61400000000003", "40989bae147ae148 1574.9200000000001", "40566c89a0275254 89.695899999999995",
  "406c454fdf3b645a 226.166", "4017d630a91537a0 5.9591700000000003", "c079c8a7ef9db22d -412.541",
  "3f832cc3019ce325 0.0093627199999999997", "3f5363b506319d5c 0.00118344", "4187d39bc2723000 49967992.305755615",
  "3dd9f35baccf0084 9.4407796859741215e-11", "43d144dcea01edcf 4.977449178695679e+18", "426a10e526ef4fd0 895620822906.49414",
  "41051aff44500000 172895.90835571289", "3fa7e9ec66666667 0.046706569194793705", "43ab734326c2cec5 9.8899924755096435e+17",
  "3bc5d5fea3460c22 9.2478704452514662e-21", "3c9ba7a426a16990 9.594702981412411e-17", "422ebe918ca73b68 66023114323.616028",
  "412af512c1cb0000 883337.37850189209", "3df8652c8826de19 3.5499703884124757e-10", "40f78d70f2fc0000 96471.059322357178",
  "4190d9f9c4d8d800 70680177.211761475", "3e55e7d8c1cd9549 2.0401227474212644e-08", "43a36fd7b037763a 7.0028758049011226e+17",
  "3eda45fce3150dae 6.264064311981201e-06", "42f85adb3bcc11c7 428456068038940.44", "41cac765ee699c00 898550748.82507324",
  "3cf778e21e272a8c 5.2118754386901854e-15", "40f7f39e2f6d0000 98105.886578559875", "3fa7b35400000000 0.046290040016174316",
  "41009bb9d9480000 136055.23109436035", "43402d4ff98babee 9106842279434204", "4217bc4d86d5b040 25485861301.422119",
  "3c2ba34bb668a721 7.4912607669830329e-19", "40710b2b50400000 272.69807457923889", "3f0faea9930be0de 6.0429143905639643e-05",
  "3fb6b3d800000000 0.088681697845458984", "3e9d6e086bdf4c2b 4.3853843212127684e-07", "4000cbaf60000000 2.0994555950164795",
  "3c310e4dd3edd500 9.2460083961486817e-19", "4299338472bef04f 6927264034748.0771", "40c4f177b4a00000 10722.935199737549",
  "42017369b8024d00 9368844032.2875977", "3e40c562f619774a 7.8096246719360345e-09", "3eccc0902de00d1b 3.4275293350219725e-06",
  "3f02c6474538ef34 3.5809564590454096e-05", "3c98376430728416 8.4017419815063471e-17", "3da44d867aebca0c 9.2326596379280088e-12",
].map((l) => {
  const [hex, text] = l.split(' ');
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt(`0x${hex}`));
  return { d: dv.getFloat64(0), text };
});

describe('simple types', () => {
  const both: Array<[string, Reply, string, string]> = [
    ['simple string', new SimpleString('OK'), '+OK\r\n', '+OK\r\n'],
    ['preencoded OK/PONG/QUEUED', [OK, PONG, QUEUED], '*3\r\n+OK\r\n+PONG\r\n+QUEUED\r\n', '*3\r\n+OK\r\n+PONG\r\n+QUEUED\r\n'],
    ['error', new ReplyError('ERR something bad'), '-ERR something bad\r\n', '-ERR something bad\r\n'],
    ['error with CR/LF and binary', new ReplyError('ERR a\r\nb\xff'), '-ERR a  b\xff\r\n', '-ERR a  b\xff\r\n'],
    ['integer 0', 0, ':0\r\n', ':0\r\n'],
    ['integer -0', -0, ':0\r\n', ':0\r\n'],
    ['integer 1023 (preencoded)', 1023, ':1023\r\n', ':1023\r\n'],
    ['integer 1024', 1024, ':1024\r\n', ':1024\r\n'],
    ['negative integer', -1, ':-1\r\n', ':-1\r\n'],
    ['large negative integer', -123456789012, ':-123456789012\r\n', ':-123456789012\r\n'],
    ['max safe integer', Number.MAX_SAFE_INTEGER, ':9007199254740991\r\n', ':9007199254740991\r\n'],
    ['bigint int64 max', 9223372036854775807n, ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
    ['bigint int64 min', -9223372036854775808n, ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
    ['small bigint', 5n, ':5\r\n', ':5\r\n'],
    ['an integer-valued number of 1e21 is written in digits', 1e21, ':1000000000000000000000\r\n', ':1000000000000000000000\r\n'],
    ['empty bulk', '', '$0\r\n\r\n', '$0\r\n\r\n'],
    ['bulk', 'hello', '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
    ['bulk of 9 and 10 bytes', ['123456789', '1234567890'], '*2\r\n$9\r\n123456789\r\n$10\r\n1234567890\r\n', '*2\r\n$9\r\n123456789\r\n$10\r\n1234567890\r\n'],
    ['binary bulk (latin1 string)', '\x00\xff\r\n\xc3\x28', '$6\r\n\x00\xff\r\n\xc3\x28\r\n', '$6\r\n\x00\xff\r\n\xc3\x28\r\n'],
    ['Buffer bulk', Buffer.from([0, 1, 0xfe, 0xff]), '$4\r\n\x00\x01\xfe\xff\r\n', '$4\r\n\x00\x01\xfe\xff\r\n'],
    ['empty Buffer bulk', Buffer.alloc(0), '$0\r\n\r\n', '$0\r\n\r\n'],
    ['utf8 helper', reply.utf8('é'), '$2\r\n\xc3\xa9\r\n', '$2\r\n\xc3\xa9\r\n'],
    ['null', null, '$-1\r\n', '_\r\n'],
    ['undefined', undefined, '$-1\r\n', '_\r\n'],
    ['null array', NULL_ARRAY, '*-1\r\n', '_\r\n'],
    ['empty array', [], '*0\r\n', '*0\r\n'],
    ['EMPTY_ARRAY', EMPTY_ARRAY, '*0\r\n', '*0\r\n'],
    ['array', [1, 'a', null], '*3\r\n:1\r\n$1\r\na\r\n$-1\r\n', '*3\r\n:1\r\n$1\r\na\r\n_\r\n'],
    [
      'nested array',
      [[1, [2, []]], NULL_ARRAY, [new SimpleString('x'), new ReplyError('ERR e')]],
      '*3\r\n*2\r\n:1\r\n*2\r\n:2\r\n*0\r\n*-1\r\n*2\r\n+x\r\n-ERR e\r\n',
      '*3\r\n*2\r\n:1\r\n*2\r\n:2\r\n*0\r\n_\r\n*2\r\n+x\r\n-ERR e\r\n',
    ],
    ['map', new MapReply(['a', 1, 'b', null]), '*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n', '%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n'],
    ['empty map', new MapReply([]), '*0\r\n', '%0\r\n'],
    ['map from an object', reply.map({ x: 'y' }), '*2\r\n$1\r\nx\r\n$1\r\ny\r\n', '%1\r\n$1\r\nx\r\n$1\r\ny\r\n'],
    ['map from entries', reply.map(new Map<Reply, Reply>([['k', [1]]])), '*2\r\n$1\r\nk\r\n*1\r\n:1\r\n', '%1\r\n$1\r\nk\r\n*1\r\n:1\r\n'],
    [
      'map nested in a map',
      new MapReply(['m', new MapReply(['i', 1])]),
      '*2\r\n$1\r\nm\r\n*2\r\n$1\r\ni\r\n:1\r\n',
      '%1\r\n$1\r\nm\r\n%1\r\n$1\r\ni\r\n:1\r\n',
    ],
    ['set', new SetReply(['a', 'b']), '*2\r\n$1\r\na\r\n$1\r\nb\r\n', '~2\r\n$1\r\na\r\n$1\r\nb\r\n'],
    ['empty set', new SetReply([]), '*0\r\n', '~0\r\n'],
    ['boolean true', true, ':1\r\n', '#t\r\n'],
    ['boolean false', false, ':0\r\n', '#f\r\n'],
    ['big number', new BigNumberReply('3492890328409238509324850943850943825024385'), bulk('3492890328409238509324850943850943825024385'), '(3492890328409238509324850943850943825024385\r\n'],
    ['negative big number (helper)', reply.bigNumber(-12345678901234567890n), bulk('-12345678901234567890'), '(-12345678901234567890\r\n'],
    ['verbatim', new VerbatimReply('line1\r\nline2\r\n'), bulk('line1\r\nline2\r\n'), '=18\r\ntxt:line1\r\nline2\r\n\r\n'],
    ['verbatim markdown', reply.verbatim('# x', 'mkd'), bulk('# x'), '=7\r\nmkd:# x\r\n'],
    ['push', new PushReply(['message', 'ch', 'hi']), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n', '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n'],
    ['raw reply per protocol', new RawReply(Buffer.from('*0\r\n'), Buffer.from('%0\r\n')), '*0\r\n', '%0\r\n'],
    ['no reply', NO_REPLY, '', ''],
    ['no reply inside a batch of others', [1, 2], '*2\r\n:1\r\n:2\r\n', '*2\r\n:1\r\n:2\r\n'],
    ['a non-integer number is a double', 1.5, '$3\r\n1.5\r\n', ',1.5\r\n'],
  ];
  for (const [what, r, resp2, resp3] of both) {
    it(`${what}`, () => {
      expect(enc(r, 2)).toBe(resp2);
      expect(enc(r, 3)).toBe(resp3);
    });
  }

  it('writes a value that is not a reply as an error, keeping the stream well formed', () => {
    const w = new RespWriter(64);
    w.write([1, { not: 'a reply' } as unknown as Reply, 'x'], 2);
    w.write(PONG, 2);
    const out = w.takeOne().latin1Slice();
    expect(out).toMatch(/^\*3\r\n:1\r\n-ERR [^\r\n]*not a reply[^\r\n]*\r\n\$1\r\nx\r\n\+PONG\r\n$/);
  });
});

describe('stream IDs (StreamIdReply)', () => {
  it('are the bulk string of `${ms}-${seq}` in both protocols, through the cached ms digits', () => {
    const ids: Array<[number, number]> = [
      [0, 0],
      [1, 0],
      [1, 9],
      [1, 10],
      [1700000000000, 0],
      [1700000000000, 1],
      [1700000000000, 12345],
      [1700000000001, 99],
      [1700000000000, 0],
      [9007199254740991, 9007199254740991],
      [12345678, 5],
    ];
    const w = new RespWriter(64);
    let expected = '';
    for (const [ms, seq] of ids) {
      for (const proto of [2, 3] as const) expect(enc(new StreamIdReply(ms, seq), proto)).toBe(bulk(`${ms}-${seq}`));
      // One writer across IDs (its ms digits cache), past its initial buffer.
      w.write(new StreamIdReply(ms, seq), 2);
      expected += bulk(`${ms}-${seq}`);
      expect(String(new StreamIdReply(ms, seq))).toBe(`${ms}-${seq}`);
    }
    expect(Buffer.concat(w.take()).latin1Slice()).toBe(expected);
  });
});

describe('doubles', () => {
  it('formats like glibc printf("%.17g")', () => {
    expect(PRINTF_17G.length).toBeGreaterThan(300);
    for (const { d, text } of PRINTF_17G) expect(formatDouble(d), `bits of ${d}`).toBe(text);
  });

  it('rounds exact ties half to even, as glibc does', () => {
    // 4000000000000001 / 4 = 1000000000000000.25 exactly: 17 digits are ...0.2 (even), not ...0.3
    expect(formatDouble(1000000000000000.25)).toBe('1000000000000000.2');
    expect(formatDouble(1000000000000000.75)).toBe('1000000000000000.8');
    expect(formatDouble(-1000000000000001.25)).toBe('-1000000000000001.2');
  });

  const cases: Array<[number, string]> = [
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [-0, '-0'],
    [0, '0'],
    [1e300, '1.0000000000000001e+300'],
    [1e-300, '1e-300'],
    [5e-324, '4.9406564584124654e-324'],
    [0.1, '0.10000000000000001'],
    [0.0001, '0.0001'],
    [0.00001, '1.0000000000000001e-05'],
    [1e16, '10000000000000000'],
    [1e17, '1e+17'],
    [123456789012345680, '1.2345678901234568e+17'],
    [3, '3'],
    [-2.5, '-2.5'],
  ];
  for (const [d, text] of cases) {
    it(`${text}`, () => {
      expect(enc(new DoubleReply(d), 2)).toBe(bulk(text));
      expect(enc(new DoubleReply(d), 3)).toBe(`,${text}\r\n`);
      expect(enc(reply.double(d), 3)).toBe(`,${text}\r\n`);
    });
  }

  it('NaN is "nan"', () => {
    expect(enc(new DoubleReply(NaN), 3)).toBe(',nan\r\n');
    expect(enc(new DoubleReply(NaN), 2)).toBe('$3\r\nnan\r\n');
  });
});

describe('batching', () => {
  it('peekSingle/release: a view reused by length shows the new bytes; a kept view is never written again', () => {
    const w = new RespWriter(1024);
    expect(w.peekSingle()).toBe(null);
    w.write('aaa', 2);
    const v1 = w.peekSingle() as Buffer;
    expect(v1.latin1Slice()).toBe('$3\r\naaa\r\n');
    w.release(false); // consumed: the buffer is reused
    w.write('bbb', 2);
    const v2 = w.peekSingle() as Buffer;
    expect(v2.latin1Slice()).toBe('$3\r\nbbb\r\n');
    w.release(true); // kept by its user (a socket write still in progress)
    w.write('ccc', 2);
    const v3 = w.peekSingle() as Buffer;
    expect(v3.latin1Slice()).toBe('$3\r\nccc\r\n');
    expect(v2.latin1Slice()).toBe('$3\r\nbbb\r\n');
    w.release(false);
    // Larger than the view cache, and with a chunk (a value of 64 KB or more goes out as its own): no single view.
    w.write('x'.repeat(3000), 2);
    expect((w.peekSingle() as Buffer).length).toBe(3000 + 9);
    w.release(false);
    w.write('y'.repeat(100_000), 2);
    expect(w.peekSingle()).toBe(null);
    expect(Buffer.concat(w.take()).length).toBe(100_000 + 11);
  });

  it('encodes values larger than the batch buffer, between small ones', () => {
    const sizes = [0, 1, 63, 64, 65, 1000, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 300_000, 1024 * 1024];
    for (const initial of [16, 64, 1024, 64 * 1024]) {
      for (const proto of [2, 3] as const) {
        const w = new RespWriter(initial);
        let expected = '';
        for (const n of sizes) {
          const s = 'abcdefghijklmnopqrstuvwxyz\xff\x00'.repeat(Math.ceil(n / 28) + 1).slice(0, n);
          w.write(s, proto);
          w.write(Buffer.from(s, 'latin1'), proto);
          w.write(new VerbatimReply(s), proto);
          w.write(new ReplyError(`ERR ${s.slice(0, 2000).replace(/[\r\n]/g, ' ')}`), proto);
          w.write([n, s, new SimpleString('ok')], proto);
          w.write(new MapReply([s, s]), proto);
          expected += bulk(s) + bulk(s);
          expected += proto === 3 ? `=${s.length + 4}\r\ntxt:${s}\r\n` : bulk(s);
          expected += `-ERR ${s.slice(0, 2000).replace(/[\r\n]/g, ' ')}\r\n`;
          expected += `*3\r\n:${n}\r\n${bulk(s)}+ok\r\n`;
          expected += (proto === 3 ? '%1\r\n' : '*2\r\n') + bulk(s) + bulk(s);
        }
        expect(w.length).toBe(Buffer.byteLength(expected, 'latin1'));
        const out = w.takeOne().latin1Slice();
        expect(out === expected, `initial ${initial}, RESP${proto}`).toBe(true);
        expect(w.isEmpty()).toBe(true);
      }
    }
  });

  it('encodes many replies in one batch', () => {
    const w = new RespWriter(1024);
    const parts: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      switch (i % 5) {
        case 0:
          w.write(i, 2);
          parts.push(`:${i}\r\n`);
          break;
        case 1:
          w.write(`value:${i}`, 2);
          parts.push(bulk(`value:${i}`));
          break;
        case 2:
          w.write(OK, 2);
          parts.push('+OK\r\n');
          break;
        case 3:
          w.write(null, 2);
          parts.push('$-1\r\n');
          break;
        default:
          w.write([i, null], 3);
          parts.push(`*2\r\n:${i}\r\n_\r\n`);
      }
    }
    const chunks = w.take();
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).latin1Slice() === parts.join('')).toBe(true);
  });

  it('hands out buffers that later writes do not change', () => {
    const w = new RespWriter(64);
    w.write('first', 2);
    const a = w.take();
    w.write('XXXXXXXXXXXXXXXXXXXXXXXXXXXX', 2);
    w.write('second', 2);
    const b = w.takeOne();
    expect(Buffer.concat(a).latin1Slice()).toBe(bulk('first'));
    expect(b.latin1Slice()).toBe(bulk('XXXXXXXXXXXXXXXXXXXXXXXXXXXX') + bulk('second'));
    // After a large batch the writer is usable again and starts clean.
    w.write('y'.repeat(1_000_000), 2);
    expect(w.takeOne().length).toBe(1_000_000 + 12);
    w.write(7, 2);
    expect(w.takeOne().latin1Slice()).toBe(':7\r\n');
  });

  it('mixes protocols per call (HELLO 3 switches mid-pipeline)', () => {
    const w = new RespWriter(64);
    w.write(null, 2);
    w.write(new MapReply(['proto', 3]), 3);
    w.write(null, 3);
    expect(w.takeOne().latin1Slice()).toBe('$-1\r\n%1\r\n$5\r\nproto\r\n:3\r\n_\r\n');
  });

  it('raw bytes and headers written directly', () => {
    const w = new RespWriter(16);
    w.arrayHeader(2);
    w.bulk('a');
    w.integer(-5);
    w.rawBytes(Buffer.from('+RAW\r\n'));
    w.mapHeader(1, 2);
    w.mapHeader(1, 3);
    w.setHeader(2000, 3);
    w.pushHeader(2, 2);
    w.pushHeader(2, 3);
    w.nullBulk(2);
    w.nullArray(2);
    w.simple('S');
    w.error('ERR e');
    expect(w.takeOne().latin1Slice()).toBe('*2\r\n$1\r\na\r\n:-5\r\n+RAW\r\n*2\r\n%1\r\n~2000\r\n*2\r\n>2\r\n$-1\r\n*-1\r\n+S\r\n-ERR e\r\n');
  });
});

describe('intToString', () => {
  it('matches String(n) for safe integers of every length and sign', () => {
    const cases = [0, -0, 1, -1, 9, 10, -10, 99, 100, 12345, -12345, 2 ** 31, -(2 ** 31), 2 ** 32 + 7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let d = 1; d <= 15; d++) cases.push(10 ** d - 1, 10 ** d, -(10 ** d) + 1, -(10 ** d));
    for (const n of cases) expect(intToString(n), String(n)).toBe(String(n));
  });
});
