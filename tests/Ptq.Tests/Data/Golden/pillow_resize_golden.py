from PIL import Image
def pixels(w,h,c):
    s=12345; out=[]
    for i in range(w*h*c):
        s=(s*1103515245+12345) & 0x7fffffff
        out.append((s>>16)&255)
    return bytes(out)
def show(name, im):
    print(name, im.size, list(im.tobytes()))
src=Image.frombytes('RGB',(13,9),pixels(13,9,3))
show('lin_5x7', src.resize((5,7), Image.BILINEAR))
show('cub_5x7', src.resize((5,7), Image.BICUBIC))
show('near_5x7', src.resize((5,7), Image.NEAREST))
show('lin_up_17x11', src.resize((17,11), Image.BILINEAR))
show('cub_up_17x11', src.resize((17,11), Image.BICUBIC))
show('gray', src.convert('L'))
show('near_up_17x11', src.resize((17,11), Image.NEAREST))
